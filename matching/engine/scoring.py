"""Hard eligibility and the explainable pair score — the scalar reference implementation.

The vectorised path (``prepare`` + ``vectorized``) builds its lookup tables from the small functions below, so the
two agree exactly; ``score_pair`` is what explanations and tests use.

Score = Σ over COMPONENTS of round(weight × raw, 6), then rounded to 6 places. Each raw value is in [0, 1]:

* programme — same programme 1.0; same 专业类 0.75; same 专业大类 0.5; shared industry or a demand keyword covered by
  the student's terms 0.3 (the best of these);
* skills — importance of the demand skills the student covers ÷ total importance (0.5 when the demand lists none);
* level — exact level or "any" 1, over-qualified 0.5;
* place — a preferred place of the student found in the demand's place 1; no preference (or no place given) 0.5;
* local — the student wants to stay local and the job is local 1;
* timing — 1 when the student is available for the start, halving every 3 months of waiting (see ``timing_raw``);
* order_class — the student is in an order class of this enterprise 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np

from .text import Normaliser, clean, normaliser
from .types import COMPONENTS, LEVEL_ORDER, Component, DemandRow, MatchParams, StudentRow

DECIMALS = 6
KINDS = ("employment", "internship", "apprenticeship", "order_class_intake")
EMPLOYMENT_GRACE_MONTHS = 3  # a student may graduate up to 3 months after an employment start
ORDER_CLASS_LEAD_MONTHS = 12  # an order class needs a year of schooling left
TIMING_HALF_LIFE = 3.0  # months of waiting that halve the timing value
TIMING_MAX_WAIT = 120
TIMING_TABLE = tuple(0.5 ** (wait / TIMING_HALF_LIFE) for wait in range(TIMING_MAX_WAIT + 1))
# Programme-fit tiers: code → raw value (codes are ordered, so the best tier is the max code).
PROGRAMME_TIERS = {5: 1.0, 4: 0.75, 3: 0.5, 2: 0.3, 0: 0.0}
PLACE_SUFFIXES = "省市县区镇乡村"
NO_SKILLS_VALUE = 0.5


def round_value(value: float) -> float:
    """The one rounding used everywhere (numpy's, so scalar and vectorised results are bit-identical)."""
    return float(np.round(np.float64(value), DECIMALS))


def weighted(weight: float, raw: float) -> float:
    return round_value(float(weight) * float(raw))


def weight_vector(weights: Mapping[str, float]) -> tuple[float, ...]:
    """Weights in COMPONENTS order; missing names weigh 0, unknown names are ignored."""
    return tuple(float(weights.get(name, 0.0) or 0.0) for name in COMPONENTS)


# --- small building blocks (also used to build the vectorised lookup tables) ---------------------------------------


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def level_rank(level: str | None) -> int:
    """0 for unknown levels (a student of unknown level only meets demands that accept any level)."""
    return LEVEL_ORDER.get(level or "", 0)


def demand_level_rank(level: str | None) -> int:
    """0 = any level (also for an unknown value: an unreadable requirement must not exclude everyone)."""
    return LEVEL_ORDER.get(level or "", 0)


def level_ok(student_rank: int, demand_rank: int) -> bool:
    return demand_rank == 0 or student_rank >= demand_rank


def level_raw(student_rank: int, demand_rank: int) -> float:
    if demand_rank == 0 or student_rank == demand_rank:
        return 1.0
    return 0.5 if student_rank > demand_rank else 0.0


def timing_ok(kind: str, studying: bool, graduation: date, start: date) -> bool:
    """employment: graduated, or graduating at most 3 months after the start; internship: still at school on the
    start date; apprenticeship: either; order-class intake: at school, graduating at least 12 months after the start.
    Unknown kinds are never eligible."""
    gap = month_index(graduation) - month_index(start)
    if kind == "employment":
        return (not studying) or gap <= EMPLOYMENT_GRACE_MONTHS
    if kind == "internship":
        return studying and graduation > start
    if kind == "apprenticeship":
        return True
    if kind == "order_class_intake":
        return studying and gap >= ORDER_CLASS_LEAD_MONTHS
    return False


def timing_wait(kind: str, studying: bool, graduation: date, start: date) -> int:
    """Months the enterprise waits beyond the ideal: graduates are available now; students when they graduate
    (employment, apprenticeship); interns ideally in their last year; order classes ideally start 12–24 months
    before graduation."""
    gap = month_index(graduation) - month_index(start)
    if kind == "internship":
        wait = gap - 12
    elif kind == "order_class_intake":
        wait = gap - 24
    else:
        wait = gap if studying else 0
    return min(max(wait, 0), TIMING_MAX_WAIT)


def timing_raw(kind: str, studying: bool, graduation: date, start: date) -> float:
    return TIMING_TABLE[timing_wait(kind, studying, graduation, start)]


def place_fragments(places: tuple[str, ...]) -> tuple[str, ...]:
    """Cleaned place preferences; a trailing 省/市/县/区/镇/乡/村 is dropped so "宝清县" also finds "宝清镇"."""
    result = []
    for place in places:
        text = clean(place)
        if len(text) > 2 and text[-1] in PLACE_SUFFIXES:
            text = text[:-1]
        if text and text not in result:
            result.append(text)
    return tuple(sorted(result))


def place_raw(fragments: tuple[str, ...], demand_place: str) -> float:
    text = clean(demand_place)
    if not fragments or not text:
        return 0.5
    return 1.0 if any(fragment in text or text in fragment for fragment in fragments) else 0.0


def programme_code(s: StudentRow, d: DemandRow, keyword_hit: bool) -> int:
    """Best programme-fit tier (a key of PROGRAMME_TIERS)."""
    if s.programme_id is not None and s.programme_id in d.programme_ids:
        return 5
    if s.programme_class and s.programme_class in d.programme_classes:
        return 4
    if s.major_category_id is not None and s.major_category_id in d.major_category_ids:
        return 3
    if keyword_hit or (s.industry_ids & d.industry_ids):
        return 2
    return 0


def skills_table_value(weight: float, matched: int, total: int) -> float:
    """Weighted skills value from integer importance sums (shared with the vectorised table)."""
    if total <= 0:
        return weighted(weight, NO_SKILLS_VALUE)
    return weighted(weight, matched / total)


def demand_skill_entries(d: DemandRow, norm: Normaliser) -> list[tuple[str, int, frozenset[str]]]:
    """(phrase, importance ≥ 1, terms) of the demand skills that have terms, most important first (stable)."""
    entries = []
    for phrase, importance in d.skills:
        terms = norm.terms(phrase)
        if terms:
            entries.append((phrase.strip(), max(int(importance or 0), 1), terms))
    entries.sort(key=lambda entry: -entry[1])
    return entries


# --- public API ------------------------------------------------------------------------------------------------------


def eligible(s: StudentRow, d: DemandRow) -> bool:
    """Hard rules: open capacity, education level, and timing by kind of demand."""
    return (
        d.capacity > 0
        and level_ok(level_rank(s.level), demand_level_rank(d.education_level))
        and timing_ok(d.kind, s.studying, s.graduation, d.start_date)
    )


def score_pair(
    s: StudentRow, d: DemandRow, params: MatchParams | None = None
) -> tuple[float, tuple[Component, ...], tuple[str, ...]]:
    """(score, one Component per name in COMPONENTS, missing demand skills by importance) — eligibility aside."""
    params = params or MatchParams()
    weights = dict(zip(COMPONENTS, weight_vector(params.weights), strict=True))
    norm = normaliser(params.synonyms)
    student_terms = norm.terms_of((*s.skills, *s.certificates))

    keyword_hit = any((terms := norm.terms(k)) and terms <= student_terms for k in d.keywords)
    entries = demand_skill_entries(d, norm)
    matched = sum(importance for _, importance, terms in entries if terms <= student_terms)
    total = sum(importance for _, importance, _ in entries)
    missing = tuple(phrase for phrase, _, terms in entries if not terms <= student_terms)
    matched_count = len(entries) - len(missing)

    raw = {
        "programme": PROGRAMME_TIERS[programme_code(s, d, keyword_hit)],
        "level": level_raw(level_rank(s.level), demand_level_rank(d.education_level)),
        "place": place_raw(place_fragments(s.places), d.place),
        "local": 1.0 if (s.willing_local and d.is_local) else 0.0,
        "timing": timing_raw(d.kind, s.studying, s.graduation, d.start_date),
        "order_class": 1.0 if d.unit_id in s.order_class_unit_ids else 0.0,
    }
    components = []
    for name in COMPONENTS:
        if name == "skills":
            value = skills_table_value(weights[name], matched, total)
            detail = f"{matched_count}/{len(entries)}" if entries else ""
        else:
            value, detail = weighted(weights[name], raw[name]), ""
        components.append(Component(name=name, value=value, detail=detail))
    score = round_value(sum(component.value for component in components))
    return score, tuple(components), missing
