"""Supply–demand gap and programme–industry alignment (plan §三(一), §三(四)). Pure computation: no ORM.

``matching.selectors_gap`` reads the database into the ``*In`` records below; ``analyse`` turns them into a
``GapReport`` for one year; ``restrict`` narrows a report to what a viewer may see; ``year_trend`` gives the totals of
several years. Everything here is deterministic and unit-tested on hand-computed cases (tests/matching/test_gap.py).

Definitions (the README section "Programme–industry alignment index" says the same in prose)
--------------------------------------------------------------------------------------------
Year Y: supply is the students expected to graduate in Y (``Student.expected_graduation``), not counting those who
go on to further study (升学); demand is the published talent demands (approved / partly filled / filled) that start
in Y (``TalentDemand.start_date``). Filled = ``filled_count``; open = headcount − filled.

Two dimensions of targets: the 4567 industries (``INDUSTRY``) and the consortium's local chains (``CHAIN``).
Local chains are mapped onto industries (``LocalChain.industries``), so each side can be expressed in either one:

* a programme's expected graduates are spread over its links (``ProgrammeIndustryLink``) in proportion to the link
  weights, normalised per programme (so every graduate is counted once). A link whose target is of the other
  dimension is split equally over the targets it maps to (a chain over its industries; an industry over the chains
  that contain it); a link that maps to nothing in the dimension is "unallocated";
* a demand's headcount is spread equally over its enterprise's industries (industry dimension) or local chains
  (chain dimension); an enterprise with none in the dimension falls back to the other one, split the same way;
  an enterprise with neither is "unclassified".

Per target t: S_t expected graduates, D_t demand headcount, F_t filled, O_t = D_t − F_t, gap = D_t − S_t,
supply ratio S_t / D_t, and the balance 100 × 2·min(S_t, D_t) / (S_t + D_t).

Programme–industry alignment index of programme p (industry dimension, 0..100). With G_p its expected graduates
(> 0) and s_pt its share in industry t:

    M_p = G_p · Σ_t s_pt · min(1, D_t / S_t)    graduates the demand of its industries can absorb (pro rata: the
                                                   demand of t is shared among all programmes supplying t)
    A_p = G_p · Σ_t s_pt · D_t / S_t            demand of its industries attributable to p (same pro-rata share)
    absorption = M_p / G_p,  coverage = M_p / A_p,  index = 100 · 2·M_p / (G_p + A_p)

i.e. the harmonic mean of "share of the programme's graduates that published demand of its mapped industries can
absorb" and "share of that demand the programme's graduates cover". 100 means supply equals demand in every mapped
industry; a ratio k = D/S (or S/D) of k gives 200/(1+k) for k ≥ 1; unmapped graduates absorb nothing. Zero
denominators: G_p = 0 → index, absorption and coverage are None (nothing to align this year); A_p = 0 → coverage
None and index 0 (graduates but no demand). S_t > 0 whenever G_p s_pt > 0, so D_t / S_t is always defined there.

Consortium index: 100 · 2·Σ_t min(S_t, D_t) / (S + D) with S all expected graduates (allocated or not) and D all
demand (classified or not); Σ_t min(S_t, D_t) = Σ_p M_p. None when S + D = 0. "Demand with a programme" is the
share of D in industries that have at least one active programme mapped to them.

Local-employment share: graduates employed locally ÷ graduates employed (see ``selectors_gap`` for the sources).
Per target it is the share-weighted figure of the programmes supplying the target.

Recommendations (thresholds are the constants below):

* per active programme, with R_p = Σ_t s_pt D_t / Σ_t s_pt S_t over its mapped industries (the demand/supply ratio
  of its industries, seen through its own mapping): R_p ≥ EXPAND_RATIO → expand; R_p ≤ SHRINK_RATIO → shrink;
  otherwise keep. Demand but no graduates at all in its industries → expand. No mapping → review (map it first).
* per industry and per local chain: demand ≥ OPEN_MIN_HEADCOUNT and no active programme mapped → open a programme.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

INDUSTRY = "industry"
CHAIN = "chain"
PROGRAMME = "programme"

#: Demand per expected graduate in a programme's industries at or above which the programme should expand.
EXPAND_RATIO = 1.2
#: Demand per expected graduate at or below which the programme should shrink (half its graduates unabsorbed).
SHRINK_RATIO = 0.5
#: Yearly demand headcount of an industry (or chain) without any active programme that warrants opening one.
OPEN_MIN_HEADCOUNT = 10
#: Priority classes of the plan (schools.choices.PriorityClass) whose shrinking the reason warns about.
PROTECTED_PRIORITIES = frozenset({"develop_first", "new_emerging", "shortage"})
#: Years shown around the selected one in the trend table.
TREND_BEFORE, TREND_AFTER = 2, 2


class Action:
    EXPAND = "expand"
    SHRINK = "shrink"
    KEEP = "keep"
    OPEN = "open"
    REVIEW = "review"

    ORDER = ("open", "expand", "shrink", "review", "keep")  # most pressing first

    @staticmethod
    def label(action: str) -> str:
        return {
            Action.EXPAND: _("扩大招生"),
            Action.SHRINK: _("缩减招生"),
            Action.KEEP: _("保持"),
            Action.OPEN: _("开设专业"),
            Action.REVIEW: _("完善产业对应"),
        }.get(action, action)


# --- inputs ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkIn:
    """A programme's link to exactly one target (an industry or a local chain) with a weight 1..100."""

    industry_id: int | None
    chain_id: int | None
    weight: int


@dataclass(frozen=True, slots=True)
class IndustryIn:
    id: int
    name: str
    group: str = ""


@dataclass(frozen=True, slots=True)
class ChainIn:
    id: int
    name: str
    industry_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class ProgrammeIn:
    id: int
    code: str
    name: str
    unit_id: int
    unit_name: str
    active: bool = True
    links: tuple[LinkIn, ...] = ()


@dataclass(frozen=True, slots=True)
class SupplyIn:
    """Graduates of one programme expected in one year; ``employed`` and ``local`` among them."""

    programme_id: int
    year: int
    expected: int
    employed: int = 0
    local: int = 0


@dataclass(frozen=True, slots=True)
class OfferingIn:
    programme_id: int
    year: int
    planned_intake: int
    priority_class: str = "none"


@dataclass(frozen=True, slots=True)
class DemandIn:
    id: int
    unit_id: int
    year: int  # start year
    headcount: int
    filled: int = 0
    industry_ids: frozenset[int] = frozenset()  # the enterprise's industries
    chain_ids: frozenset[int] = frozenset()  # the enterprise's local chains
    programme_ids: frozenset[int] = frozenset()  # programmes the demand names


@dataclass(frozen=True)
class GapInputs:
    industries: tuple[IndustryIn, ...] = ()
    chains: tuple[ChainIn, ...] = ()
    programmes: tuple[ProgrammeIn, ...] = ()
    supply: tuple[SupplyIn, ...] = ()
    demands: tuple[DemandIn, ...] = ()
    offerings: tuple[OfferingIn, ...] = ()


# --- outputs --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetRow:
    """Supply and demand of one industry or local chain in the year. Figures rounded to 1 decimal (shares make them
    fractional); percentages 0..100 with 1 decimal; None where the denominator is zero (or hidden)."""

    dimension: str
    id: int
    name: str
    group: str
    programmes: int  # active programmes mapped to the target
    expected_graduates: float
    demand: float
    filled: float
    open: float
    gap: float  # demand − expected graduates: > 0 graduates are short, < 0 graduates are in surplus
    supply_ratio: float | None  # expected graduates per demanded person
    balance: float | None  # 100·2·min(S, D)/(S + D)
    employed: float | None
    local: float | None
    local_share: float | None
    industry_ids: frozenset[int] = frozenset()  # chains: their industries (for the chain filter)

    @property
    def has_programme(self) -> bool:
        return self.programmes > 0


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    id: int
    code: str
    name: str
    unit_id: int
    unit_name: str
    active: bool
    expected_graduates: int
    planned_intake: int | None  # of the year's offering (None: no offering that year)
    priority_class: str
    mapped_share: float  # % of the programme's link weight that reaches an industry
    industries: tuple[str, ...]  # names of the industries it is mapped to, largest share first
    absorbable: float  # M_p
    attributed_demand: float  # A_p
    absorption: float | None  # %
    coverage: float | None  # %
    index: float | None  # 0..100
    industry_demand: float  # Σ s·D_t: demand of its industries seen through its mapping
    industry_supply: float  # Σ s·S_t
    demand_ratio: float | None  # R_p (None: no mapping, or demand without any supply)
    named_demand: int  # headcount of demands that name this programme
    employed: int
    local: int
    local_share: float | None
    action: str | None  # recommendation (None for inactive programmes)
    chain_ids: frozenset[int] = frozenset()  # chains it supplies (for the chain filter)


@dataclass(frozen=True, slots=True)
class Recommendation:
    subject: str  # PROGRAMME / INDUSTRY / CHAIN
    subject_id: int
    name: str
    unit_id: int | None
    unit_name: str
    action: str
    demand: float
    supply: float
    ratio: float | None
    filled: float = 0.0
    note: str = ""  # reason variant: "no_links", "no_allocation", "no_supply", "unserved", "idle", "priority", ""
    chain_ids: frozenset[int] = frozenset()
    industry_ids: frozenset[int] = frozenset()

    @property
    def action_label(self) -> str:
        return Action.label(self.action)

    @property
    def subject_label(self) -> str:
        return {PROGRAMME: _("专业"), INDUSTRY: _("产业"), CHAIN: _("本地产业链")}.get(self.subject, self.subject)

    @property
    def reason(self) -> str:
        """The reason in words, with the figures that triggered it."""
        figures = {
            "demand": _num(self.demand),
            "supply": _num(self.supply),
            "ratio": "" if self.ratio is None else f"{self.ratio:.2f}",
            "filled": _num(self.filled),
            "open": _num(max(self.demand - self.filled, 0.0)),
            "expand": f"{EXPAND_RATIO:g}",
            "shrink": f"{SHRINK_RATIO:g}",
            "min": OPEN_MIN_HEADCOUNT,
        }
        if self.action == Action.OPEN:
            return _(
                "本年度需求%(demand)s人（已满足%(filled)s人，未满足%(open)s人），达到%(min)s人，但联合体内没有对应的在办专业。"
            ) % figures
        if self.action == Action.REVIEW:
            if self.note == "no_allocation":
                return _("专业对应的本地产业链尚未设置所属产业，无法与产业需求比对。")
            return _("专业尚未建立与产业或本地产业链的对应，无法评估供需。")
        if self.note == "no_supply":
            return _("对应产业本年度需求%(demand)s人，但没有任何预计毕业生。") % figures
        if self.note == "unserved":
            return _(
                "对应产业（按本专业对应权重）需求%(demand)s人，预计毕业生%(supply)s人；其中有产业本年度有需求却没有任何预计毕业生。"
            ) % figures
        if self.note == "idle":
            return _("对应产业本年度既无需求也无预计毕业生，暂无调整依据。")
        text = _("对应产业（按本专业对应权重）需求%(demand)s人，预计毕业生%(supply)s人，需求/供给为%(ratio)s") % figures
        if self.action == Action.EXPAND:
            text += _("，不低于%(expand)s，需求明显大于供给。") % figures
        elif self.action == Action.SHRINK:
            text += _("，不高于%(shrink)s，毕业生明显多于需求。") % figures
            if self.note == "priority":
                text += _("该专业属规划重点类别，缩减前请结合产业规划研判。")
        else:
            text += _("，供需大体平衡。")
        return text


@dataclass(frozen=True, slots=True)
class Summary:
    year: int
    expected_graduates: int
    demand: int
    filled: int
    open: int
    matched: float  # Σ_t min(S_t, D_t)
    absorption: float | None  # % of expected graduates absorbable
    coverage: float | None  # % of demand covered
    index: float | None  # consortium alignment index 0..100
    demand_with_programme: float | None  # % of demand in industries with an active programme
    unclassified_demand: float  # demand of enterprises without industries or chains
    unallocated_supply: float  # expected graduates of programmes (or link shares) not mapped to an industry
    employed: int | None
    local: int | None
    local_share: float | None


@dataclass(frozen=True, slots=True)
class YearRow:
    year: int
    expected_graduates: float
    demand: float
    filled: float
    open: float
    matched: float
    index: float | None
    local_share: float | None


@dataclass(frozen=True)
class GapReport:
    year: int
    summary: Summary
    industries: tuple[TargetRow, ...]
    chains: tuple[TargetRow, ...]
    programmes: tuple[ProgrammeRow, ...]
    recommendations: tuple[Recommendation, ...]
    chains_without_industries: tuple[str, ...] = ()
    local_hidden: bool = False


# --- helpers --------------------------------------------------------------------------------------------------------


def _num(value: float) -> str:
    """1 decimal, without a trailing ".0" (headcounts are usually whole)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _r1(value: float) -> float:
    return round(value + 0.0, 1)


def _pct(numerator: float, denominator: float) -> float | None:
    return None if denominator <= 0 else round(100.0 * numerator / denominator, 1)


def balance(supply: float, demand: float) -> float | None:
    """100·2·min(S, D)/(S + D): 100 when equal, 0 when one side is empty; None when both are."""
    total = supply + demand
    return None if total <= 0 else round(100.0 * 2.0 * min(supply, demand) / total, 1)


@dataclass(frozen=True)
class Maps:
    """Which industries each chain covers and which chains each industry belongs to (inside the inputs)."""

    chain_industries: Mapping[int, frozenset[int]]
    industry_chains: Mapping[int, frozenset[int]]
    industry_ids: frozenset[int]

    @classmethod
    def build(cls, industries: Iterable[IndustryIn], chains: Iterable[ChainIn]) -> Maps:
        known = frozenset(i.id for i in industries)
        chain_industries = {c.id: frozenset(i for i in c.industry_ids if i in known) for c in chains}
        industry_chains: dict[int, set[int]] = defaultdict(set)
        for chain_id, industry_ids in chain_industries.items():
            for industry_id in industry_ids:
                industry_chains[industry_id].add(chain_id)
        return cls(chain_industries, {i: frozenset(c) for i, c in industry_chains.items()}, known)

    def targets(self, kind: str, target_id: int, dimension: str) -> tuple[int, ...]:
        """The targets of ``dimension`` an item of ``kind`` reaches (sorted; empty: unallocated). Ids outside the
        inputs (another consortium's chain, say) reach nothing."""
        if kind == dimension:
            known = self.chain_industries if dimension == CHAIN else self.industry_ids
            return (target_id,) if target_id in known else ()
        if dimension == INDUSTRY:  # a chain item → the chain's industries
            return tuple(sorted(self.chain_industries.get(target_id, ())))
        return tuple(sorted(self.industry_chains.get(target_id, ())))  # an industry item → its chains


def spread(items: Iterable[tuple[str, int, float]], dimension: str, maps: Maps) -> dict[int, float]:
    """Shares of one programme or demand over the targets of ``dimension``: items (kind, id, weight) are normalised
    by their total weight; an item of the other kind is split equally over the targets it maps to. The shares sum
    to 1 minus the unallocated part (items that map to nothing)."""
    items = [(kind, target, float(weight)) for kind, target, weight in items if weight > 0 and target is not None]
    total = sum(weight for _kind, _target, weight in items)
    shares: dict[int, float] = defaultdict(float)
    if total <= 0:
        return {}
    for kind, target_id, weight in items:
        targets = maps.targets(kind, target_id, dimension)
        for target in targets:
            shares[target] += weight / total / len(targets)
    return dict(shares)


def programme_shares(programme: ProgrammeIn, dimension: str, maps: Maps) -> dict[int, float]:
    items = [
        (INDUSTRY, link.industry_id, link.weight)
        if link.industry_id is not None
        else (CHAIN, link.chain_id, link.weight)
        for link in programme.links
    ]
    return spread(items, dimension, maps)  # type: ignore[arg-type]


def demand_shares(demand: DemandIn, dimension: str, maps: Maps) -> dict[int, float]:
    own, other, other_kind = (
        (demand.industry_ids, demand.chain_ids, CHAIN) if dimension == INDUSTRY
        else (demand.chain_ids, demand.industry_ids, INDUSTRY)
    )
    if own:
        shares = spread(((dimension, t, 1) for t in own), dimension, maps)
        if shares:
            return shares
    return spread(((other_kind, t, 1) for t in other), dimension, maps)


@dataclass
class _Acc:
    supply: float = 0.0
    demand: float = 0.0
    filled: float = 0.0
    employed: float = 0.0
    local: float = 0.0
    programmes: set[int] = field(default_factory=set)


def _target_rows(
    dimension: str,
    targets: Iterable[tuple[int, str, str, frozenset[int]]],
    acc: Mapping[int, _Acc],
) -> tuple[TargetRow, ...]:
    rows = []
    for target_id, name, group, industry_ids in targets:
        a = acc.get(target_id) or _Acc()
        rows.append(
            TargetRow(
                dimension=dimension,
                id=target_id,
                name=name,
                group=group,
                programmes=len(a.programmes),
                expected_graduates=_r1(a.supply),
                demand=_r1(a.demand),
                filled=_r1(a.filled),
                open=_r1(a.demand - a.filled),
                gap=_r1(a.demand - a.supply),
                supply_ratio=None if a.demand <= 0 else round(a.supply / a.demand, 2),
                balance=balance(a.supply, a.demand),
                employed=_r1(a.employed),
                local=_r1(a.local),
                local_share=_pct(a.local, a.employed),
                industry_ids=industry_ids,
            )
        )
    return tuple(rows)


# --- the analysis ---------------------------------------------------------------------------------------------------


def analyse(inputs: GapInputs, year: int) -> GapReport:
    """The gap report of ``year`` over the whole consortium (see the module docstring for every definition)."""
    maps = Maps.build(inputs.industries, inputs.chains)
    industry_names = {i.id: i.name for i in inputs.industries}

    supply: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # programme → [expected, employed, local]
    for row in inputs.supply:
        if row.year == year:
            bucket = supply[row.programme_id]
            bucket[0] += row.expected
            bucket[1] += row.employed
            bucket[2] += row.local
    offerings = {o.programme_id: o for o in inputs.offerings if o.year == year}
    demands = [d for d in inputs.demands if d.year == year]

    acc: dict[str, dict[int, _Acc]] = {INDUSTRY: defaultdict(_Acc), CHAIN: defaultdict(_Acc)}
    shares: dict[str, dict[int, dict[int, float]]] = {INDUSTRY: {}, CHAIN: {}}
    for programme in inputs.programmes:
        expected, employed, local = supply.get(programme.id, (0, 0, 0))
        for dimension in (INDUSTRY, CHAIN):
            programme_share = programme_shares(programme, dimension, maps)
            shares[dimension][programme.id] = programme_share
            for target, share in programme_share.items():
                a = acc[dimension][target]
                a.supply += expected * share
                a.employed += employed * share
                a.local += local * share
                if programme.active:
                    a.programmes.add(programme.id)
    named: dict[int, int] = defaultdict(int)
    for demand in demands:
        for programme_id in demand.programme_ids:
            named[programme_id] += demand.headcount
        for dimension in (INDUSTRY, CHAIN):
            for target, share in demand_shares(demand, dimension, maps).items():
                a = acc[dimension][target]
                a.demand += demand.headcount * share
                a.filled += demand.filled * share

    industry_acc, chain_acc = acc[INDUSTRY], acc[CHAIN]
    industries = _target_rows(
        INDUSTRY, ((i.id, i.name, i.group, frozenset({i.id})) for i in inputs.industries), industry_acc
    )
    chains = _target_rows(
        CHAIN, ((c.id, c.name, "", maps.chain_industries.get(c.id, frozenset())) for c in inputs.chains), chain_acc
    )

    programmes: list[ProgrammeRow] = []
    recommendations: list[Recommendation] = []
    for programme in inputs.programmes:
        expected, employed, local = supply.get(programme.id, (0, 0, 0))
        offering = offerings.get(programme.id)
        if not programme.active and expected == 0:
            continue  # a closed programme with nobody graduating this year has nothing to show
        row, recommendation = _programme(
            programme, expected, employed, local, offering, shares[INDUSTRY][programme.id],
            frozenset(shares[CHAIN][programme.id]), industry_acc, industry_names, named.get(programme.id, 0),
        )
        programmes.append(row)
        if recommendation is not None:
            recommendations.append(recommendation)
    for rows in (chains, industries):
        for target in rows:
            if target.demand >= OPEN_MIN_HEADCOUNT and not target.has_programme:
                recommendations.append(
                    Recommendation(
                        subject=target.dimension, subject_id=target.id, name=target.name, unit_id=None, unit_name="",
                        action=Action.OPEN, demand=target.demand, supply=target.expected_graduates,
                        ratio=None, filled=target.filled,
                        chain_ids=frozenset({target.id}) if target.dimension == CHAIN else maps.industry_chains.get(
                            target.id, frozenset()),
                        industry_ids=target.industry_ids,
                    )
                )
    recommendations.sort(key=lambda r: (Action.ORDER.index(r.action), -r.demand, r.name, r.subject_id))

    total_supply = sum(bucket[0] for bucket in supply.values())
    total_employed = sum(bucket[1] for bucket in supply.values())
    total_local = sum(bucket[2] for bucket in supply.values())
    total_demand = sum(d.headcount for d in demands)
    total_filled = sum(d.filled for d in demands)
    matched = sum(min(a.supply, a.demand) for a in industry_acc.values())
    with_programme = sum(a.demand for a in industry_acc.values() if a.programmes)
    summary = Summary(
        year=year,
        expected_graduates=total_supply,
        demand=total_demand,
        filled=total_filled,
        open=total_demand - total_filled,
        matched=_r1(matched),
        absorption=_pct(matched, total_supply),
        coverage=_pct(matched, total_demand),
        index=balance_of_totals(matched, total_supply, total_demand),
        demand_with_programme=_pct(with_programme, total_demand),
        unclassified_demand=_r1(max(total_demand - sum(a.demand for a in industry_acc.values()), 0.0)),
        unallocated_supply=_r1(max(total_supply - sum(a.supply for a in industry_acc.values()), 0.0)),
        employed=total_employed,
        local=total_local,
        local_share=_pct(total_local, total_employed),
    )
    missing = tuple(c.name for c in inputs.chains if not maps.chain_industries.get(c.id))
    programmes.sort(key=lambda p: (p.unit_name, p.code, p.id))
    return GapReport(year, summary, industries, chains, tuple(programmes), tuple(recommendations), missing)


def balance_of_totals(matched: float, supply: float, demand: float) -> float | None:
    """Consortium index: 100·2·matched/(S + D); None when there is neither supply nor demand."""
    total = supply + demand
    return None if total <= 0 else round(100.0 * 2.0 * matched / total, 1)


def _programme(
    programme: ProgrammeIn,
    expected: int,
    employed: int,
    local: int,
    offering: OfferingIn | None,
    shares: Mapping[int, float],
    chain_ids: frozenset[int],
    industry_acc: Mapping[int, _Acc],
    industry_names: Mapping[int, str],
    named_demand: int,
) -> tuple[ProgrammeRow, Recommendation | None]:
    mapped = sum(shares.values())
    absorbable = attributed = industry_demand = industry_supply = 0.0
    unserved = False  # demand in an industry nobody supplies
    for target, share in shares.items():
        a = industry_acc[target]
        industry_demand += share * a.demand
        industry_supply += share * a.supply
        if a.supply > 0:
            ratio = a.demand / a.supply
            absorbable += expected * share * min(1.0, ratio)
            attributed += expected * share * ratio
        elif a.demand > 0:
            unserved = True
    if expected > 0:
        absorption = _pct(absorbable, expected)
        coverage = _pct(absorbable, attributed)
        index = round(100.0 * 2.0 * absorbable / (expected + attributed), 1)
    else:
        absorption = coverage = index = None
    demand_ratio = round(industry_demand / industry_supply, 2) if industry_supply > 0 else None
    priority = offering.priority_class if offering else "none"

    action: str | None = None
    note = ""
    if programme.active:
        if not programme.links:
            action, note = Action.REVIEW, "no_links"
        elif mapped <= 0:
            action, note = Action.REVIEW, "no_allocation"
        elif industry_supply <= 0:
            action, note = (Action.EXPAND, "no_supply") if industry_demand > 0 else (Action.KEEP, "idle")
        elif unserved:
            action, note = Action.EXPAND, "unserved"
        elif industry_demand / industry_supply >= EXPAND_RATIO:
            action = Action.EXPAND
        elif industry_demand / industry_supply <= SHRINK_RATIO:
            action = Action.SHRINK
            note = "priority" if priority in PROTECTED_PRIORITIES else ""
        else:
            action = Action.KEEP
    names = tuple(
        industry_names[t] for t, _s in sorted(shares.items(), key=lambda kv: (-kv[1], kv[0])) if t in industry_names
    )
    row = ProgrammeRow(
        id=programme.id,
        code=programme.code,
        name=programme.name,
        unit_id=programme.unit_id,
        unit_name=programme.unit_name,
        active=programme.active,
        expected_graduates=expected,
        planned_intake=offering.planned_intake if offering else None,
        priority_class=priority,
        mapped_share=round(100.0 * mapped, 1),
        industries=names,
        absorbable=_r1(absorbable),
        attributed_demand=_r1(attributed),
        absorption=absorption,
        coverage=coverage,
        index=index,
        industry_demand=_r1(industry_demand),
        industry_supply=_r1(industry_supply),
        demand_ratio=demand_ratio,
        named_demand=named_demand,
        employed=employed,
        local=local,
        local_share=_pct(local, employed),
        action=action,
        chain_ids=chain_ids,
    )
    recommendation = None
    if action is not None:
        recommendation = Recommendation(
            subject=PROGRAMME, subject_id=programme.id, name=f"{programme.code} {programme.name}",
            unit_id=programme.unit_id, unit_name=programme.unit_name, action=action,
            demand=row.industry_demand, supply=row.industry_supply, ratio=demand_ratio, note=note,
            chain_ids=chain_ids, industry_ids=frozenset(t for t, s in shares.items() if s > 0),
        )
    return row, recommendation


# --- what a viewer sees ---------------------------------------------------------------------------------------------


def restrict(
    report: GapReport,
    *,
    programme_unit_ids: frozenset[int] | None = None,
    chain_id: int | None = None,
    hide_local: bool = False,
) -> GapReport:
    """Narrow a report: rows of a chain (``chain_id``), programmes of some schools only (``programme_unit_ids``;
    None = all), and the local-employment figures that need every school's employment records (``hide_local``).
    Figures are never recomputed: filters select rows of the consortium-wide analysis."""
    industries, chains = report.industries, report.chains
    programmes, recommendations = report.programmes, report.recommendations
    summary = report.summary
    if chain_id is not None:
        chain = next((c for c in chains if c.id == chain_id), None)
        chain_industries = chain.industry_ids if chain else frozenset()
        chains = tuple(c for c in chains if c.id == chain_id)
        industries = tuple(i for i in industries if i.id in chain_industries)
        programmes = tuple(p for p in programmes if chain_id in p.chain_ids)
        recommendations = tuple(
            r for r in recommendations
            if chain_id in r.chain_ids or (r.subject == INDUSTRY and r.subject_id in chain_industries)
        )
    if programme_unit_ids is not None:
        programmes = tuple(p for p in programmes if p.unit_id in programme_unit_ids)
        recommendations = tuple(
            r for r in recommendations if r.subject != PROGRAMME or r.unit_id in programme_unit_ids
        )
    if hide_local:
        hidden = {"employed": None, "local": None, "local_share": None}
        industries = tuple(replace(row, **hidden) for row in industries)
        chains = tuple(replace(row, **hidden) for row in chains)
        summary = replace(summary, **hidden)
    return replace(
        report, summary=summary, industries=industries, chains=chains, programmes=programmes,
        recommendations=recommendations, local_hidden=report.local_hidden or hide_local,
    )


def trend_years(year: int) -> list[int]:
    return list(range(year - TREND_BEFORE, year + TREND_AFTER + 1))


def year_trend(
    inputs: GapInputs, years: Iterable[int], *, chain_id: int | None = None, hide_local: bool = False
) -> list[YearRow]:
    """Totals per year (the consortium's, or one chain's when ``chain_id`` is given)."""
    rows = []
    for year in years:
        report = analyse(inputs, year)
        if chain_id is None:
            s = report.summary
            rows.append(
                YearRow(year, float(s.expected_graduates), float(s.demand), float(s.filled), float(s.open),
                        s.matched, s.index, None if hide_local else s.local_share)
            )
            continue
        chain = next((c for c in report.chains if c.id == chain_id), None)
        if chain is None:
            continue
        rows.append(
            YearRow(year, chain.expected_graduates, chain.demand, chain.filled, chain.open,
                    _r1(min(chain.expected_graduates, chain.demand)), chain.balance,
                    None if hide_local else chain.local_share)
        )
    return rows

