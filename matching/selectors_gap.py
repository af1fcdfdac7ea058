"""Reads of the supply–demand gap analysis: the database → the inputs of ``matching.gap`` (pure), for one viewer.

Every read starts from ``Model.objects.visible_to(user)`` and is narrowed to one consortium; the whole input of a
page is a constant number of grouped queries (about ten), however many students, demands and programmes there are.

Who sees what (``gap_viewer``):

* the secretariat and officials: the whole consortium, including the local-employment figures;
* platform admins: one consortium at a time (``consortium`` parameter; the first one by name by default);
* users of a school unit: the consortium-wide industry and chain figures (built from rows every member may read:
  published demands, programmes, links, student counts), but only their own school's programmes in the programme
  table and recommendations, and local-employment shares only for their own programmes (order-class employment
  records of other schools are not theirs to read, so consortium-wide shares would be wrong for them);
* everyone else (enterprise users, …): no access — ``gap_viewer`` returns None and the page answers 403.

Local employment. Employed graduates = students expected to graduate in the year whose status is 已就业, or who have
a local employment record. Local records are:

* an order-class employment record (``enterprises.Employment``): the graduate works at the class's partner
  enterprise, a member unit of the consortium;
* a hire through matching (``matching.Candidacy`` with status 已录用 on a demand that is not an internship) whose
  demand's place counts as local: the place is empty or contains one of the consortium's local place names
  (``MatchSettings.local_terms``, the same rule as ``matching.snapshot.is_local_place``; with no names configured
  every hire counts as local, since every demand belongs to a member unit).

A graduate marked 已就业 without such a record is employed but not counted as local (the employer is unknown).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import ExtractYear

from consortium.tenancy.choices import UnitKind
from consortium.tenancy.models import Consortium, Industry, LocalChain, MemberUnit
from consortium.tenancy.scoping import is_platform_admin, unit_roles
from enterprises.choices.demands import DEMAND_PUBLISHED, DemandKind
from enterprises.models.demands import TalentDemand
from enterprises.models.order_classes import Employment
from schools.choices import StudentStatus
from schools.models import Programme, ProgrammeIndustryLink, ProgrammeOffering, Student

from . import gap
from .choices import CandidacyStatus
from .models import Candidacy, MatchSettings
from .snapshot import parse_terms


@dataclass(frozen=True)
class GapViewer:
    """Which consortium the viewer analyses and how much of it they see."""

    consortium_id: int
    consortium_wide: bool
    school_unit_ids: frozenset[int] = frozenset()

    @property
    def programme_unit_ids(self) -> frozenset[int] | None:
        return None if self.consortium_wide else self.school_unit_ids


def gap_viewer(user: Any, *, consortium_id: int | None = None) -> GapViewer | None:
    """The viewer's scope, or None when the user may not see the gap analysis. ``consortium_id`` is only used by
    platform admins (others always analyse their own consortium)."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if is_platform_admin(user):
        consortia = Consortium.objects.visible_to(user).order_by("name")
        chosen = consortia.filter(pk=consortium_id).first() if consortium_id else None
        chosen = chosen or consortia.first()
        return GapViewer(chosen.pk, True) if chosen else None
    if not user.consortium_id:
        return None
    if user.role in ("secretariat", "official"):
        return GapViewer(user.consortium_id, True)
    roles = unit_roles(user)
    schools = frozenset(
        MemberUnit.objects.visible_to(user)
        .filter(consortium_id=user.consortium_id, pk__in=list(roles), kind=UnitKind.SCHOOL)
        .values_list("pk", flat=True)
    ) if roles else frozenset()
    return GapViewer(user.consortium_id, False, schools) if schools else None


def gap_consortium_choices(user: Any) -> list[tuple[int, str]]:
    """Consortia a platform admin may pick (empty for everyone else)."""
    if not is_platform_admin(user):
        return []
    return list(Consortium.objects.visible_to(user).order_by("name").values_list("pk", "name"))


def gap_chain_choices(user: Any, consortium_id: int) -> list[tuple[int, str]]:
    return list(
        LocalChain.objects.visible_to(user)
        .filter(consortium_id=consortium_id)
        .order_by("position", "name")
        .values_list("pk", "name")
    )


#: The rows a reader may use, per model: ``visible_to(user)`` in request code, ``for_consortium(id)`` in tasks.
Rows = Callable[[type[models.Model]], models.QuerySet]


def _local_hire_q(rows: Rows) -> Q:
    terms = parse_terms(rows(MatchSettings).values_list("local_terms", flat=True).first())
    if not terms:
        return Q()
    place = Q(demand__place="")
    for term in terms:
        place |= Q(demand__place__contains=term)
    return place


def gap_inputs(
    user: Any, *, consortium_id: int, years: Sequence[int], demand_kinds: Iterable[str] | None = None
) -> gap.GapInputs:
    """Everything ``gap.analyse`` needs for ``years`` of one consortium, read through the user's scope."""

    def rows(model: type[models.Model]) -> models.QuerySet:
        return model.objects.visible_to(user).filter(consortium_id=consortium_id)  # type: ignore[attr-defined]

    return gap_inputs_from(rows, Industry.objects.visible_to(user), years=years, demand_kinds=demand_kinds)


def gap_inputs_from(
    rows: Rows, industries_qs: models.QuerySet, *, years: Sequence[int], demand_kinds: Iterable[str] | None = None
) -> gap.GapInputs:
    """The one reader of the gap inputs: ``rows(Model)`` gives the base rows of each tenant model (already limited to
    one consortium), so the gap page (user scope) and the KPI refresh (``for_consortium``) count the same rows."""
    first, last = min(years), max(years)
    kinds = [k for k in (demand_kinds or ()) if k in DemandKind.values]

    industries = tuple(
        gap.IndustryIn(pk, name, group)
        for pk, name, group in industries_qs.order_by("position", "code").values_list("pk", "name", "group_name")
    )
    chain_names: dict[int, str] = {}
    chain_industries: dict[int, set[int]] = defaultdict(set)
    for pk, name, industry_id in (
        rows(LocalChain).order_by("position", "name", "pk").values_list("pk", "name", "industries")
    ):
        chain_names[pk] = name
        if industry_id is not None:
            chain_industries[pk].add(industry_id)
    chains = tuple(gap.ChainIn(pk, name, frozenset(chain_industries[pk])) for pk, name in chain_names.items())

    links: dict[int, list[gap.LinkIn]] = defaultdict(list)
    for programme_id, industry_id, chain_id, weight in (
        rows(ProgrammeIndustryLink)
        .order_by("programme_id", "pk")
        .values_list("programme_id", "industry_id", "local_chain_id", "weight")
    ):
        links[programme_id].append(gap.LinkIn(industry_id, chain_id, weight))
    programmes = tuple(
        gap.ProgrammeIn(pk, code, name, unit_id, unit_name, active, tuple(links.get(pk, ())))
        for pk, code, name, unit_id, unit_name, active in rows(Programme)
        .order_by("unit__name", "code", "pk")
        .values_list("pk", "code", "name", "unit_id", "unit__name", "is_active")
    )
    offerings = tuple(
        gap.OfferingIn(programme_id, year, intake, priority)
        for programme_id, year, intake, priority in rows(ProgrammeOffering)
        .filter(year__gte=first, year__lte=last)
        .values_list("programme_id", "year", "planned_intake", "priority_class")
    )

    # Supply: one grouped query; the local-employment flags are EXISTS subqueries over the same rows.
    order_class_job = rows(Employment).filter(enrolment__student=OuterRef("pk"))
    hire = (
        rows(Candidacy)
        .filter(student=OuterRef("pk"), status=CandidacyStatus.HIRED)
        .exclude(demand__kind=DemandKind.INTERNSHIP)
        .filter(_local_hire_q(rows))
    )
    local = Q(local_job=True) | Q(local_hire=True)
    supply = tuple(
        gap.SupplyIn(row["programme"], row["year"], row["expected"], row["employed"], row["local"])
        for row in rows(Student)
        .filter(expected_graduation__year__gte=first, expected_graduation__year__lte=last)
        .exclude(status=StudentStatus.FURTHER_STUDY)
        .annotate(local_job=Exists(order_class_job), local_hire=Exists(hire))
        .values(programme=F("offering__programme_id"), year=ExtractYear("expected_graduation"))
        .annotate(
            expected=Count("pk"),
            employed=Count("pk", filter=Q(status=StudentStatus.EMPLOYED) | local),
            local=Count("pk", filter=local),
        )
        .order_by()
    )

    demand_qs = rows(TalentDemand).filter(
        status__in=list(DEMAND_PUBLISHED), start_date__year__gte=first, start_date__year__lte=last
    )
    if kinds:
        demand_qs = demand_qs.filter(kind__in=kinds)
    demand_rows = list(
        demand_qs.annotate(year=ExtractYear("start_date"))
        .order_by("pk")
        .values_list("pk", "unit_id", "year", "headcount", "filled_count")
    )
    named: dict[int, set[int]] = defaultdict(set)
    for demand_id, programme_id in demand_qs.filter(programmes__isnull=False).values_list("pk", "programmes"):
        named[demand_id].add(programme_id)
    unit_industries: dict[int, set[int]] = defaultdict(set)
    unit_chains: dict[int, set[int]] = defaultdict(set)
    for unit_id, industry_id, chain_id in (
        rows(MemberUnit)
        .filter(pk__in=demand_qs.values("unit_id"))
        .values_list("pk", "industries", "local_chains")
    ):
        if industry_id is not None:
            unit_industries[unit_id].add(industry_id)
        if chain_id is not None:
            unit_chains[unit_id].add(chain_id)
    demands = tuple(
        gap.DemandIn(
            pk, unit_id, year, headcount, filled,
            frozenset(unit_industries.get(unit_id, ())), frozenset(unit_chains.get(unit_id, ())),
            frozenset(named.get(pk, ())),
        )
        for pk, unit_id, year, headcount, filled in demand_rows
    )
    return gap.GapInputs(industries, chains, programmes, supply, demands, offerings)


@dataclass(frozen=True)
class GapPage:
    """Everything a gap page, its export or the API shows: the viewer's report and the yearly trend."""

    viewer: GapViewer
    report: gap.GapReport
    trend: list[gap.YearRow]
    chain_id: int | None
    demand_kinds: tuple[str, ...]


def gap_page(
    user: Any, viewer: GapViewer, *, year: int, chain_id: int | None = None, demand_kinds: Iterable[str] = ()
) -> GapPage:
    kinds = tuple(k for k in demand_kinds if k in DemandKind.values)
    years = gap.trend_years(year)
    inputs = gap_inputs(user, consortium_id=viewer.consortium_id, years=years, demand_kinds=kinds)
    hide_local = not viewer.consortium_wide
    report = gap.restrict(
        gap.analyse(inputs, year), programme_unit_ids=viewer.programme_unit_ids, chain_id=chain_id,
        hide_local=hide_local,
    )
    trend = gap.year_trend(inputs, years, chain_id=chain_id, hide_local=hide_local)
    return GapPage(viewer, report, trend, chain_id, kinds)
