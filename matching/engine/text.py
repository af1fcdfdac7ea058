"""Skill phrases → normalised term sets (jieba segmentation + a synonym list).

Why terms and not whole phrases: students and enterprises word the same skill differently ("熟练掌握数控车床",
"数控车工", "数控车"). A phrase becomes a set of terms: the text is NFKC-normalised and lower-cased, known synonyms
and canonical terms are cut out whole first (longest match, so "plc编程" stays one term), the rest is segmented by
jieba, filler words ("熟练掌握", "证书", ...) are dropped, runs of single Chinese characters that jieba could not place
are joined ("运"+"维" → "运维"), and every term is mapped to its canonical form. A demand skill then matches when
its term set is covered by the student's terms (see ``scoring``).

jieba is loaded once, lazily (its first use costs ~1 s), with its logging silenced.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping

# canonical term → the ways people write it (all mapped to the canonical term). The county's industries: agricultural
# products processing and food, equipment manufacturing, electricians, e-commerce, nursing and care, auto repair,
# energy, logistics, tourism and catering.
BUILTIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "焊接": ("焊工", "电焊", "电焊工", "焊接技术", "焊接工艺", "焊接操作", "焊工证"),
    "plc": ("plc编程", "plc控制", "plc程序设计", "可编程控制器", "可编程逻辑控制器", "可编程控制器系统应用编程"),
    "数控车": ("数控车床", "数控车工", "数控车削"),
    "数控铣": ("数控铣床", "数控铣工", "数控铣削"),
    "cad": ("autocad", "cad制图", "计算机辅助设计", "机械制图", "制图", "计算机绘图"),
    "识图": ("看图", "读图", "电气识图", "图纸识读"),
    "电工": ("电工操作", "维修电工", "电工证", "低压电工", "低压电工作业证", "电工作业", "电工作业证"),
    "钳工": ("装配钳工", "机修钳工"),
    "电商": ("电子商务", "电商运营"),
    "网店运营": ("网络店铺运营", "淘宝运营", "店铺运营", "网店运营推广"),
    "直播": ("直播带货", "直播电商", "带货主播", "直播销售", "电商直播"),
    "短视频": ("短视频制作", "短视频剪辑", "视频剪辑", "视频制作"),
    "护理": ("护士", "护理学", "临床护理", "基础护理"),
    "老年照护": ("养老护理", "老年护理", "失能老人照护", "养老护理员"),
    "婴幼儿照护": ("育婴", "育婴师", "育婴员", "婴幼儿护理"),
    "急救": ("心肺复苏", "应急救护", "急救技能", "红十字救护员"),
    "汽车维修": ("汽修", "汽车修理", "汽车检测与维修", "汽车维修工"),
    "钣金": ("汽车钣金",),
    "喷漆": ("汽车喷漆", "喷涂"),
    "导游": ("导游讲解", "导游员", "导游证", "导游资格证"),
    "讲解": ("讲解员", "景区讲解"),
    "食品检验": ("食品检测", "食品安全检测", "食品安全快速检测", "农产品食品检验", "农产品食品检验员"),
    "豆制品加工": ("大豆制品加工", "大豆加工"),
    "植保无人机": ("植保无人机操控", "无人机植保", "农业无人机", "农业无人机植保"),
    "农机操作": ("农机驾驶", "农业机械操作", "农机手"),
    "农机维修": ("农业机械维修", "农机修理", "农机修理工"),
    "发动机维修": ("发动机检修",),
    "仓储管理": ("仓库管理", "库房管理"),
    "冷链物流": ("冷链运输", "冷链"),
    "办公软件": ("office", "计算机操作", "办公自动化", "wps"),
    "外语": ("英语", "外语口语"),
    "光伏运维": ("光伏电站运维", "光伏电站运行维护"),
    "风电运维": ("风电场运维", "风机维护", "风电机组维护"),
    "工业机器人": ("工业机器人操作", "工业机器人操作与运维", "机器人操作"),
    "高空作业": ("登高作业", "高处作业", "高处作业证"),
    "烹饪": ("中式烹调", "中餐烹饪", "中式烹调师", "烹调"),
    "叉车": ("叉车操作", "叉车司机", "叉车司机证"),
    "数据分析": ("数据统计分析", "大数据分析"),
    "python": ("python编程", "python程序设计"),
}

# Words that say how well or that a skill is held, not which skill.
STOPWORDS = frozenset(
    """熟练掌握 熟练 掌握 熟悉 了解 精通 具备 具有 能够 能 会 可 持有 取得 拥有 相关 基本 一定 良好 较强 经验 能力 优先
    以上 及以上 证书 等级证书 职业技能 职业技能等级 职业资格 资格证 资格 证 等级 初级 中级 高级 四级 三级 五级 二级 一级
    中级工 高级工 技能 专业 方向 岗位 工作 从事 的 和 与 及 或 等 并 了 者 类 各类 熟 有""".split()
)
_SEPARATOR_CHARS = frozenset("的和与及或等并了、，,；;：:（）()【】[]/\\|·.。 ")
_WORD = re.compile(r"\w")
_CJK = re.compile(r"^[\u3400-\u9fff]$")

_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():
    """The jieba module, initialised once (thread-safe) with its logger quietened."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def clean(text: str) -> str:
    """NFKC (full-width → half-width), lower case, outer whitespace removed."""
    return unicodedata.normalize("NFKC", text or "").lower().strip()


class Normaliser:
    """Turns phrases into canonical term sets with the built-in synonyms plus ``extra`` (synonym → canonical).

    Results are cached per phrase: the same skill wordings recur across thousands of students.
    """

    def __init__(self, extra: Mapping[str, str] | None = None) -> None:
        synonyms: dict[str, str] = {}
        for canonical, variants in BUILTIN_SYNONYMS.items():
            for variant in variants:
                synonyms[clean(variant)] = clean(canonical)
        for variant, canonical in (extra or {}).items():
            if clean(variant) and clean(canonical):
                synonyms[clean(variant)] = clean(canonical)
        self.synonyms = synonyms
        protected = {term for term in (*synonyms, *synonyms.values()) if term}
        alternatives = sorted(protected, key=lambda term: (-len(term), term))
        self._pattern = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None
        self._cache: dict[str, frozenset[str]] = {}

    def canonical(self, term: str) -> str:
        """Follow the synonym chain (bounded, so a cycle in user synonyms cannot loop)."""
        for _ in range(8):
            nxt = self.synonyms.get(term)
            if nxt is None or nxt == term:
                break
            term = nxt
        return term

    def terms(self, phrase: str) -> frozenset[str]:
        """The canonical term set of one phrase (empty when it holds only filler words)."""
        cached = self._cache.get(phrase)
        if cached is None:
            cached = self._cache[phrase] = frozenset(self._terms(phrase))
        return cached

    def terms_of(self, phrases: Iterable[str]) -> frozenset[str]:
        result: set[str] = set()
        for phrase in phrases:
            result |= self.terms(phrase)
        return frozenset(result)

    def _terms(self, phrase: str) -> list[str]:
        text = clean(phrase)
        if not text:
            return []
        whole = self.synonyms.get(text)
        if whole is not None:
            return [self.canonical(whole)]
        tokens: list[str] = []
        position = 0
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                tokens += _segment(text[position : match.start()])
                tokens.append(match.group(0))
                position = match.end()
        tokens += _segment(text[position:])
        result = []
        for token in tokens:
            term = self.canonical(token)
            if term not in STOPWORDS and term not in result:
                result.append(term)
        return result


def _segment(text: str) -> list[str]:
    """jieba tokens of a gap between protected terms, single unknown characters joined, punctuation dropped."""
    if not text.strip():
        return []
    tokens: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) > 1:
            tokens.append("".join(run))
        run.clear()

    for token in _segmenter().lcut(text, HMM=False):
        token = token.strip()
        if not token or not _WORD.search(token):
            flush()
            continue
        if _CJK.match(token) and token not in _SEPARATOR_CHARS and token not in STOPWORDS:
            run.append(token)
            continue
        flush()
        if token in STOPWORDS or token.isdigit() or (len(token) == 1 and not _CJK.match(token)):
            continue
        if not _CJK.match(token):
            tokens.append(token)
    flush()
    return tokens


_normalisers: dict[tuple[tuple[str, str], ...], Normaliser] = {}
_normalisers_lock = threading.Lock()


def normaliser(extra: Mapping[str, str] | None = None) -> Normaliser:
    """A shared ``Normaliser`` per synonym set (so caches survive across runs with the same settings)."""
    key = tuple(sorted((extra or {}).items()))
    with _normalisers_lock:
        found = _normalisers.get(key)
        if found is None:
            if len(_normalisers) > 16:
                _normalisers.clear()
            found = _normalisers[key] = Normaliser(extra)
        return found
