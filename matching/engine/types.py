"""Input and output records of the matching engine. Plain frozen dataclasses: no Django, no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Education levels, ordered. Students carry their programme's catalogue level; demands may ask for "any".
LEVEL_ORDER = {"secondary": 1, "associate": 2, "bachelor": 3}

# Names of the score components, in the order explanations list them. Weights are keyed by these names.
COMPONENTS = ("programme", "skills", "level", "place", "local", "timing", "order_class")

DEFAULT_WEIGHTS: dict[str, float] = {
    "programme": 0.40,
    "skills": 0.30,
    "level": 0.05,
    "place": 0.05,
    "local": 0.10,
    "timing": 0.05,
    "order_class": 0.05,
}


@dataclass(frozen=True, slots=True)
class StudentRow:
    """One student (supply side). ``skills`` are free-text skill and certificate phrases (segmented by the engine)."""

    id: int
    unit_id: int  # the school
    programme_id: int | None
    programme_class: str | None  # 专业类: first 4 characters of the catalogue code, e.g. "4601"
    major_category_id: int | None  # 专业大类
    level: str  # key of LEVEL_ORDER
    graduation: date  # expected graduation (first day of the month)
    studying: bool  # True while still at school (status studying), False for graduates seeking work
    skills: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    industry_ids: frozenset[int] = frozenset()  # preferred industries plus the programme's mapped industries
    willing_local: bool = False
    places: tuple[str, ...] = ()  # preferred places (free text fragments)
    order_class_unit_ids: frozenset[int] = frozenset()  # enterprises whose order class the student is enrolled in


@dataclass(frozen=True, slots=True)
class DemandRow:
    """One talent demand (demand side). ``capacity`` is the open headcount (headcount − filled)."""

    id: int
    unit_id: int  # the enterprise
    kind: str  # employment | internship | apprenticeship | order_class_intake
    capacity: int
    start_date: date
    programme_ids: frozenset[int] = frozenset()
    programme_classes: frozenset[str] = frozenset()
    major_category_ids: frozenset[int] = frozenset()
    keywords: tuple[str, ...] = ()  # programme keywords not in the catalogue
    industry_ids: frozenset[int] = frozenset()  # the enterprise's industries
    education_level: str = "any"  # "any" or a key of LEVEL_ORDER
    place: str = ""
    is_local: bool = True  # the job is inside the county
    skills: tuple[tuple[str, int], ...] = ()  # (skill phrase, importance 1..5)


@dataclass(frozen=True, slots=True)
class Component:
    """One named part of a score: ``value`` is the weighted contribution; ``detail`` e.g. "3/4" for skills."""

    name: str  # one of COMPONENTS
    value: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Recommendation:
    student_id: int
    demand_id: int
    score: float
    components: tuple[Component, ...]
    missing_skills: tuple[str, ...] = ()
    rank_for_student: int = 0  # 1-based rank among the student's recommendations
    rank_for_demand: int = 0  # 1-based rank among the demand's recommendations


@dataclass(frozen=True, slots=True)
class Assignment:
    student_id: int
    demand_id: int
    score: float


@dataclass(frozen=True, slots=True)
class MatchParams:
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    top_k: int = 10  # recommendations kept per student and per demand
    candidate_k: int = 30  # sparse candidates generated per student before allocation
    min_score: float = 0.2  # pairs below this are never recommended nor allocated
    stable: bool = False  # allocation: max total score (False) or a stable matching (True)
    synonyms: dict[str, str] = field(default_factory=dict)  # extra synonym → canonical skill term


@dataclass(frozen=True, slots=True)
class MatchResult:
    recommendations: tuple[Recommendation, ...]
    assignments: tuple[Assignment, ...]
    total_score: float
    stats: dict[str, float] = field(default_factory=dict)  # timings, candidate counts, ...


# --- Needs ↔ providers (staff-training needs → centres, courses, trainers; technology problems → experts) -----------


@dataclass(frozen=True, slots=True)
class NeedRow:
    """A staff-training need or a technology problem: its free text (topic, content, description) and industries."""

    id: int
    unit_id: int
    text: str
    industry_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """Someone who can deliver: ``kind`` e.g. "centre", "teacher", "professor", "expert", "platform"."""

    kind: str
    id: int
    unit_id: int | None
    text: str  # expertise, services, resources, research fields
    industry_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ProviderMatch:
    need_id: int
    provider_kind: str
    provider_id: int
    score: float
    matched_terms: tuple[str, ...]
    components: tuple[Component, ...]
    rank: int = 0
