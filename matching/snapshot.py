"""Database rows → engine rows (``matching.engine.types``) for one consortium, plus a stable input hash.

Everything here reads with ``.for_consortium(consortium_id)`` (tasks carry an explicit consortium id) and in a
constant number of ``values_list`` queries whatever the number of rows (no per-row queries; a test asserts it). Rows
come out in id order, and every set/tuple inside a row is sorted, so the same database state and parameters always
give the same rows and the same ``input_hash``.

* Students: status studying or graduated (not employed, internship, further study); ``cohort`` = the year of the
  expected graduation. Programme, its class (first 4 characters of the catalogue code), major category and level come
  from ``student.offering.programme``; industries from the programme's industry links (a local-chain link counts as
  the chain's industries) plus the student's preferred industries; skills from ``Student.skills`` (free text split on
  punctuation) and certificates from ``StudentCertificate`` names; order-class ties are the partner enterprises of
  the student's order classes (enrolments not withdrawn).
* Demands: published and still open (approved / partly filled, open headcount > 0, not past ``valid_until``),
  optionally of some kinds only; industries are the enterprise unit's industries and local chains; ``is_local`` is true
  when the place is empty or contains one of the consortium's local terms (with no terms configured every demand
  counts as local: nothing tells them apart).
* Needs and providers: published staff-training needs → practice centres (when the practice_center app defines
  ``PracticeCentre``), training courses, pool experts, teachers and industry professors; published technology
  problems → teachers, industry professors, pool experts and R&D platforms.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from .choices import NeedKind, ProviderKind
from .engine.types import DEFAULT_WEIGHTS, DemandRow, MatchParams, NeedRow, ProviderRow, StudentRow

SUPPLY_STATUSES = ("studying", "graduated")
OPEN_DEMAND_STATUSES = ("approved", "partly_filled")
_SPLIT = re.compile(r"[,，、;；/／|\n\r\t]+")


# --- pure helpers -------------------------------------------------------------------------------------------------


def split_phrases(text: str | None) -> tuple[str, ...]:
    """Free text → distinct phrases in order of appearance ("焊接、识图，CAD" → ("焊接", "识图", "CAD"))."""
    seen: dict[str, None] = {}
    for part in _SPLIT.split(text or ""):
        phrase = part.strip().strip("。.：:")
        if phrase:
            seen.setdefault(phrase, None)
    return tuple(seen)


def parse_synonyms(text: str | None) -> tuple[dict[str, str], list[int]]:
    """"同义词=规范词" per line → ({synonym: canonical}, numbers of malformed lines). Blank lines and lines starting
    with # are ignored; "a、b=c" maps both a and b to c; full-width ＝ is accepted."""
    mapping: dict[str, str] = {}
    bad: list[int] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("＝", "=")
        if not line or line.startswith("#"):
            continue
        left, sep, right = line.partition("=")
        canonical = right.strip()
        synonyms = split_phrases(left)
        if not sep or not canonical or not synonyms or "=" in right:
            bad.append(number)
            continue
        for synonym in synonyms:
            if synonym != canonical:
                mapping[synonym] = canonical
    return mapping, bad


def parse_terms(text: str | None) -> list[str]:
    """One place name per line (commas also separate); sorted and distinct."""
    return sorted({term for line in (text or "").splitlines() for term in split_phrases(line)})


def is_local_place(place: str, local_terms: Sequence[str]) -> bool:
    place = (place or "").strip()
    if not place or not local_terms:
        return True
    return any(term in place for term in local_terms)


def params_from_dict(data: Mapping[str, Any]) -> MatchParams:
    """A run's stored ``params`` → the engine's MatchParams (missing keys take the engine defaults)."""
    defaults = MatchParams()
    weights = dict(DEFAULT_WEIGHTS)
    weights.update({k: float(v) for k, v in (data.get("weights") or {}).items()})
    return MatchParams(
        weights=weights,
        top_k=int(data.get("top_k", defaults.top_k)),
        candidate_k=int(data.get("candidate_k", defaults.candidate_k)),
        min_score=float(data.get("min_score", defaults.min_score)),
        stable=bool(data.get("stable", defaults.stable)),
        synonyms=dict(data.get("synonyms") or {}),
    )


def _canonical(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _canonical(asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, frozenset | set):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 12)
    return value


def input_hash(*parts: Any) -> str:
    """sha256 over a canonical JSON of the given rows and parameters (sets sorted, dates ISO, keys sorted)."""
    payload = json.dumps(_canonical(list(parts)), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# --- talent: students and demands ---------------------------------------------------------------------------------


def _chain_industries(consortium_id: int) -> dict[int, set[int]]:
    from consortium.tenancy.models import LocalChain

    through = LocalChain.industries.through
    out: dict[int, set[int]] = defaultdict(set)
    for chain_id, industry_id in through.objects.filter(localchain__consortium_id=consortium_id).values_list(
        "localchain_id", "industry_id"
    ):
        out[chain_id].add(industry_id)
    return out


def student_rows(consortium_id: int, *, cohort: int | None = None) -> list[StudentRow]:
    """The supply side (see the module docstring). Six queries whatever the number of students."""
    from enterprises.choices.order_classes import EnrolmentStatus
    from enterprises.models.order_classes import OrderClassEnrolment
    from schools.models import ProgrammeIndustryLink, Student, StudentCertificate

    condition = Q(status__in=SUPPLY_STATUSES)
    if cohort:
        condition &= Q(expected_graduation__year=cohort)
    students = Student.objects.for_consortium(consortium_id).filter(condition)
    student_filter = {"student__in": students.values("pk")}

    rows = list(
        students.order_by("pk").values_list(
            "pk", "unit_id", "offering__programme_id", "offering__programme__code",
            "offering__programme__major_category_id", "offering__programme__level", "expected_graduation",
            "status", "skills", "willing_to_work_locally", "preferred_places",
        )
    )
    preferred: dict[int, set[int]] = defaultdict(set)
    for student_id, industry_id in Student.preferred_industries.through.objects.filter(**student_filter).values_list(
        "student_id", "industry_id"
    ):
        preferred[student_id].add(industry_id)
    certificates: dict[int, list[str]] = defaultdict(list)
    for student_id, name in (
        StudentCertificate.objects.for_consortium(consortium_id).filter(**student_filter)
        .order_by("student_id", "name", "pk").values_list("student_id", "name")
    ):
        name = name.strip()
        if name and name not in certificates[student_id]:
            certificates[student_id].append(name)
    chains = _chain_industries(consortium_id)
    programme_industries: dict[int, set[int]] = defaultdict(set)
    for programme_id, industry_id, chain_id in ProgrammeIndustryLink.objects.for_consortium(
        consortium_id
    ).values_list("programme_id", "industry_id", "local_chain_id"):
        if industry_id:
            programme_industries[programme_id].add(industry_id)
        if chain_id:
            programme_industries[programme_id] |= chains.get(chain_id, set())
    ties: dict[int, set[int]] = defaultdict(set)
    for student_id, partner_id in (
        OrderClassEnrolment.objects.for_consortium(consortium_id).filter(**student_filter)
        .exclude(status=EnrolmentStatus.WITHDRAWN).values_list("student_id", "order_class__partner_unit_id")
    ):
        ties[student_id].add(partner_id)

    out = []
    for (pk, unit_id, programme_id, code, category_id, level, graduation, status, skills, local, places) in rows:
        out.append(
            StudentRow(
                id=pk,
                unit_id=unit_id,
                programme_id=programme_id,
                programme_class=(code or "")[:4] or None,
                major_category_id=category_id,
                level=level or "secondary",
                graduation=graduation.replace(day=1),
                studying=status == "studying",
                skills=split_phrases(skills),
                certificates=tuple(certificates.get(pk, ())),
                industry_ids=frozenset(preferred.get(pk, set()) | programme_industries.get(programme_id, set())),
                willing_local=bool(local),
                places=split_phrases(places),
                order_class_unit_ids=frozenset(ties.get(pk, ())),
            )
        )
    return out


def _unit_industries(consortium_id: int, chains: Mapping[int, set[int]]) -> dict[int, set[int]]:
    from consortium.tenancy.models import MemberUnit

    out: dict[int, set[int]] = defaultdict(set)
    for unit_id, industry_id in MemberUnit.industries.through.objects.filter(
        memberunit__consortium_id=consortium_id
    ).values_list("memberunit_id", "industry_id"):
        out[unit_id].add(industry_id)
    for unit_id, chain_id in MemberUnit.local_chains.through.objects.filter(
        memberunit__consortium_id=consortium_id
    ).values_list("memberunit_id", "localchain_id"):
        out[unit_id] |= chains.get(chain_id, set())
    return out


def demand_rows(
    consortium_id: int, *, kinds: Iterable[str] | None = None, local_terms: Sequence[str] = (),
    today: date | None = None,
) -> list[DemandRow]:
    """The demand side (see the module docstring). Six queries whatever the number of demands."""
    from enterprises.models.demands import DemandSkill, TalentDemand

    today = today or timezone.localdate()
    demands = TalentDemand.objects.for_consortium(consortium_id).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        status__in=OPEN_DEMAND_STATUSES, filled_count__lt=F("headcount"),
    )
    kinds = sorted(set(kinds or ()))
    if kinds:
        demands = demands.filter(kind__in=kinds)
    rows = list(
        demands.order_by("pk").values_list(
            "pk", "unit_id", "kind", "headcount", "filled_count", "start_date", "programme_keywords",
            "education_level", "place",
        )
    )
    ids = [row[0] for row in rows]
    programmes: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for demand_id, programme_id, code, category_id in (
        TalentDemand.programmes.through.objects.filter(talentdemand_id__in=demands.values("pk"))
        .order_by("talentdemand_id", "programme_id")
        .values_list("talentdemand_id", "programme_id", "programme__code", "programme__major_category_id")
    ):
        programmes[demand_id].append((programme_id, code, category_id))
    skills: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for demand_id, name, importance in (
        DemandSkill.objects.for_consortium(consortium_id).filter(demand_id__in=demands.values("pk"))
        .order_by("demand_id", "-importance", "name").values_list("demand_id", "name", "importance")
    ):
        skills[demand_id].append((name, importance))
    industries = _unit_industries(consortium_id, _chain_industries(consortium_id)) if ids else {}

    out = []
    for pk, unit_id, kind, headcount, filled, start, keywords, level, place in rows:
        linked = programmes.get(pk, [])
        out.append(
            DemandRow(
                id=pk,
                unit_id=unit_id,
                kind=kind,
                capacity=max(headcount - filled, 0),
                start_date=start,
                programme_ids=frozenset(p for p, _c, _m in linked),
                programme_classes=frozenset(c[:4] for _p, c, _m in linked if c),
                major_category_ids=frozenset(m for _p, _c, m in linked if m),
                keywords=split_phrases(keywords),
                industry_ids=frozenset(industries.get(unit_id, set())),
                education_level=level or "any",
                place=place or "",
                is_local=is_local_place(place, local_terms),
                skills=tuple(skills.get(pk, ())),
            )
        )
    return out


# --- needs and providers ------------------------------------------------------------------------------------------


def _text(*parts: Any) -> str:
    return "\n".join(str(p).strip() for p in parts if p and str(p).strip())


def need_rows(consortium_id: int, need_kind: str) -> list[NeedRow]:
    """Published staff-training needs or technology problems: their text and the enterprise's industries."""
    from enterprises.choices.demands import NeedStatus
    from enterprises.models.demands import StaffTrainingNeed, TechnologyProblem

    industries = _unit_industries(consortium_id, _chain_industries(consortium_id))
    out = []
    if need_kind == NeedKind.TRAINING:
        for pk, unit_id, topic, content in (
            StaffTrainingNeed.objects.for_consortium(consortium_id).filter(status=NeedStatus.PUBLISHED)
            .order_by("pk").values_list("pk", "unit_id", "topic", "content")
        ):
            out.append(NeedRow(pk, unit_id, _text(topic, content), frozenset(industries.get(unit_id, set()))))
    else:
        for pk, unit_id, title, description, field_id in (
            TechnologyProblem.objects.for_consortium(consortium_id).filter(status=NeedStatus.PUBLISHED)
            .order_by("pk").values_list("pk", "unit_id", "title", "description", "field_id")
        ):
            own = set(industries.get(unit_id, set())) | ({field_id} if field_id else set())
            out.append(NeedRow(pk, unit_id, _text(title, description), frozenset(own)))
    return out


@dataclass
class Providers:
    """Provider rows plus what the task stores beside a match: a label per (kind, id)."""

    rows: list[ProviderRow] = field(default_factory=list)
    labels: dict[tuple[str, int], str] = field(default_factory=dict)

    def add(
        self, kind: str, pk: int, unit_id: int | None, label: str, text: str, industries: Iterable[int] = ()
    ) -> None:
        if not text.strip():
            return  # nothing to match on
        self.rows.append(ProviderRow(kind, pk, unit_id, text, frozenset(industries)))
        self.labels[(kind, pk)] = label[:200]


def _programme_industries(consortium_id: int) -> dict[int, set[int]]:
    from schools.models import ProgrammeIndustryLink

    chains = _chain_industries(consortium_id)
    out: dict[int, set[int]] = defaultdict(set)
    for programme_id, industry_id, chain_id in ProgrammeIndustryLink.objects.for_consortium(
        consortium_id
    ).values_list("programme_id", "industry_id", "local_chain_id"):
        if industry_id:
            out[programme_id].add(industry_id)
        if chain_id:
            out[programme_id] |= chains.get(chain_id, set())
    return out


def _add_teachers(providers: Providers, consortium_id: int) -> None:
    from schools.models import Teacher

    programme_industries = _programme_industries(consortium_id)
    teacher_industries: dict[int, set[int]] = defaultdict(set)
    for teacher_id, programme_id in Teacher.programmes.through.objects.filter(
        teacher__consortium_id=consortium_id
    ).values_list("teacher_id", "programme_id"):
        teacher_industries[teacher_id] |= programme_industries.get(programme_id, set())
    for pk, unit_id, name, title, expertise in (
        Teacher.objects.for_consortium(consortium_id).filter(is_active=True).exclude(expertise="")
        .order_by("pk").values_list("pk", "unit_id", "name", "title", "expertise")
    ):
        label = f"{name}（{title}）" if title else name
        providers.add(ProviderKind.TEACHER, pk, unit_id, label, _text(expertise), teacher_industries.get(pk, ()))


def _add_professors(providers: Providers, consortium_id: int, today: date) -> None:
    from schools.models import IndustryProfessor

    for pk, unit_id, name, from_unit, outputs, teacher_expertise in (
        IndustryProfessor.objects.for_consortium(consortium_id).filter(term_end__gte=today)
        .order_by("pk").values_list("pk", "unit_id", "person_name", "from_unit__name", "outputs", "teacher__expertise")
    ):
        label = f"{name}（{from_unit}）" if from_unit else name
        providers.add(ProviderKind.PROFESSOR, pk, unit_id, label, _text(outputs, teacher_expertise))


def _add_experts(providers: Providers, consortium_id: int) -> None:
    from schools.models import PoolExpert

    industries: dict[int, set[int]] = defaultdict(set)
    for expert_id, industry_id in PoolExpert.industries.through.objects.filter(
        poolexpert__consortium_id=consortium_id
    ).values_list("poolexpert_id", "industry_id"):
        industries[expert_id].add(industry_id)
    for pk, unit_id, name, expertise, keywords, bio in (
        PoolExpert.objects.for_consortium(consortium_id).filter(is_listed=True)
        .order_by("pk").values_list("pk", "unit_id", "name", "expertise", "programme_keywords", "bio")
    ):
        providers.add(ProviderKind.EXPERT, pk, unit_id, name, _text(expertise, keywords, bio), industries.get(pk, ()))


def _add_platforms(providers: Providers, consortium_id: int) -> None:
    from enterprises.models.rnd import RnDPlatform

    for pk, unit_id, name, description in (
        RnDPlatform.objects.for_consortium(consortium_id).order_by("pk").values_list(
            "pk", "unit_id", "name", "description"
        )
    ):
        providers.add(ProviderKind.PLATFORM, pk, unit_id, name, _text(name, description))


def _practice_models() -> tuple[Any, Any]:
    """(PracticeCentre, TrainingSession) when the practice_center app defines them, else None."""
    from practice_center import models as practice

    return getattr(practice, "PracticeCentre", None), getattr(practice, "TrainingSession", None)


def _add_centres(providers: Providers, consortium_id: int) -> None:
    centre_model, session_model = _practice_models()
    if centre_model is not None:
        services = [
            (flag, str(centre_model._meta.get_field(flag).verbose_name))
            for flag in ("offers_social_training", "offers_practice_teaching", "offers_production",
                         "offers_technical_service")
            if any(f.name == flag for f in centre_model._meta.get_fields())
        ]
        resources: dict[int, list[str]] = defaultdict(list)
        industries: dict[int, set[int]] = defaultdict(set)
        resource_model = centre_model._meta.get_field("resources").related_model if any(
            f.name == "resources" for f in centre_model._meta.get_fields()
        ) else None
        if resource_model is not None:
            for centre_id, name, description in (
                resource_model.objects.for_consortium(consortium_id).filter(is_active=True)
                .order_by("pk").values_list("centre_id", "name", "description")
            ):
                resources[centre_id].append(_text(name, description))
            through = resource_model.industries.through
            for centre_id, industry_id in through.objects.filter(
                **{f"{resource_model._meta.model_name}__consortium_id": consortium_id}
            ).values_list(f"{resource_model._meta.model_name}__centre_id", "industry_id"):
                industries[centre_id].add(industry_id)
        flags = [flag for flag, _label in services]
        for values in (
            centre_model.objects.for_consortium(consortium_id).filter(is_published=True)
            .order_by("pk").values_list("pk", "operator_unit_id", "name", "description", *flags)
        ):
            pk, unit_id, name, description, *offered = values
            offered_labels = [label for (_flag, label), on in zip(services, offered, strict=True) if on]
            text = _text(name, description, "、".join(offered_labels), *resources.get(pk, ()))
            providers.add(ProviderKind.CENTRE, pk, unit_id, name, text, industries.get(pk, ()))
    if session_model is not None:
        for pk, unit_id, course, description, centre_name in (
            session_model.objects.for_consortium(consortium_id).filter(status__in=["planned", "running"])
            .order_by("pk").values_list("pk", "unit_id", "course", "description", "centre__name")
        ):
            label = f"{course}（{centre_name}）" if centre_name else course
            providers.add(ProviderKind.COURSE, pk, unit_id, label, _text(course, description))


def provider_rows(consortium_id: int, need_kind: str, *, today: date | None = None) -> Providers:
    """Everyone who could serve a need of ``need_kind``, in a fixed order (kind, then id)."""
    today = today or timezone.localdate()
    providers = Providers()
    if need_kind == NeedKind.TRAINING:
        _add_centres(providers, consortium_id)
    _add_teachers(providers, consortium_id)
    _add_professors(providers, consortium_id, today)
    _add_experts(providers, consortium_id)
    if need_kind == NeedKind.TECHNOLOGY:
        _add_platforms(providers, consortium_id)
    providers.rows.sort(key=lambda row: (row.kind, row.id))
    return providers


# --- the whole input of a run -------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    students: list[StudentRow] = field(default_factory=list)
    demands: list[DemandRow] = field(default_factory=list)
    needs: dict[str, list[NeedRow]] = field(default_factory=dict)  # need kind -> rows
    providers: dict[str, Providers] = field(default_factory=dict)  # need kind -> providers
    params: MatchParams = field(default_factory=MatchParams)
    input_hash: str = ""


def build_snapshot(
    consortium_id: int, *, kinds: Sequence[str], cohort: int | None = None, demand_kinds: Sequence[str] = (),
    params: Mapping[str, Any] | None = None, today: date | None = None,
) -> Snapshot:
    """All rows a run with this scope needs, and their hash (which covers rows, kinds and parameters)."""
    data = dict(params or {})
    snapshot = Snapshot(params=params_from_dict(data))
    if "talent" in kinds:
        snapshot.students = student_rows(consortium_id, cohort=cohort)
        snapshot.demands = demand_rows(
            consortium_id, kinds=demand_kinds, local_terms=data.get("local_terms") or (), today=today
        )
    for need_kind in (NeedKind.TRAINING, NeedKind.TECHNOLOGY):
        if need_kind.value in kinds:
            snapshot.needs[need_kind.value] = need_rows(consortium_id, need_kind)
            snapshot.providers[need_kind.value] = provider_rows(consortium_id, need_kind, today=today)
    snapshot.input_hash = input_hash(
        sorted(kinds), snapshot.students, snapshot.demands,
        {kind: rows for kind, rows in snapshot.needs.items()},
        {kind: p.rows for kind, p in snapshot.providers.items()},
        data,
    )
    return snapshot
