import pytest

from matching.engine.explain import explain
from matching.engine.providers import rank_providers
from matching.engine.types import NeedRow, ProviderRow

PROVIDERS = [
    ProviderRow("centre", 1, 100, "焊接实训、数控车床实训、安全管理培训", frozenset({6})),
    ProviderRow("teacher", 2, 101, "锅炉燃烧优化、余热回收、热工仪表、安全管理", frozenset({9})),
    ProviderRow("professor", 3, None, "大豆蛋白提取工艺、食品检测、安全管理", frozenset({3, 4})),
    ProviderRow("platform", 4, 102, "冷链温控监测、物联网平台", frozenset({12})),
    ProviderRow("centre", 5, 103, "直播带货、短视频制作、网店运营", frozenset({11})),
]


def test_the_rare_shared_term_wins_over_the_common_one():
    need = NeedRow(1, 900, "锅炉燃烧效率偏低，需优化燃烧控制，加强安全管理", frozenset())
    matches = rank_providers([need], PROVIDERS, k=5)
    assert [(m.provider_kind, m.provider_id) for m in matches][:1] == [("teacher", 2)]
    top = matches[0]
    assert "锅炉" in top.matched_terms and top.matched_terms.index("锅炉") < top.matched_terms.index("安全")
    # Providers sharing only the common "安全/管理" terms come after it.
    assert all(m.score < top.score for m in matches[1:])
    assert [m.rank for m in matches] == list(range(1, len(matches) + 1))


def test_industry_overlap_counts_and_components_explain_the_score():
    need = NeedRow(2, 900, "冷链车辆温湿度实时监测方案", frozenset({12, 4}))
    matches = rank_providers([need], PROVIDERS, k=2)
    best = matches[0]
    assert (best.provider_kind, best.provider_id) == ("platform", 4)
    terms, industry = best.components
    assert (terms.name, industry.name) == ("terms", "industry")
    assert industry.value == 0.15  # 1 of the need's 2 industries, weight 0.3
    assert best.score == round(terms.value + industry.value, 6)
    assert explain(best.components).startswith("关键词 +") and "产业 +0.15" in explain(best.components)
    # The professor shares only an industry (食品制造): listed, behind.
    assert (matches[1].provider_kind, matches[1].provider_id) == ("professor", 3)
    assert matches[1].matched_terms == ()


def test_top_k_per_need_ordered_and_deterministic():
    needs = [NeedRow(5, 900, "直播带货技能培训", frozenset()), NeedRow(4, 901, "焊接安全培训", frozenset({6}))]
    first = rank_providers(needs, PROVIDERS, k=1)
    assert [(m.need_id, m.provider_id) for m in first] == [(4, 1), (5, 5)]
    assert rank_providers(list(reversed(needs)), list(reversed(PROVIDERS)), k=1) == first


@pytest.mark.parametrize("k", [0, -1])
def test_nothing_to_rank(k):
    assert rank_providers([NeedRow(1, 1, "焊接", frozenset())], PROVIDERS, k=k) == []
    assert rank_providers([], PROVIDERS) == []
    assert rank_providers([NeedRow(1, 1, "火箭发动机", frozenset())], PROVIDERS) == []
