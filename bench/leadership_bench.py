"""Leadership layer: KPI refresh, dashboard from the precomputed facts vs the same figures computed live.

Run from the project root (PostgreSQL):
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/leadership_bench.py --scale county``
(``--scale province`` for the large data set; ``--runs N`` timed runs of the fast cases, ``--live-runs N`` of the
live baseline). Without DATABASE_URL it runs on SQLite (a throwaway file under var/).

The rows are built in a throwaway database ``bench_leadership_<name>`` (created and dropped like Django's test
runner does, as the other benches do) by a CHILD process with ``bulk_create`` (seeded, reproducible; vocabulary of
``bench/matching_data.py``, credit codes of ``tests/factories``), so that the peak memory (``ru_maxrss``) printed
for the measurements is that of the measuring process only. Data: one large consortium with many member units
(schools, enterprises, other units), programmes and yearly offerings, students, teachers (dual qualifications,
enterprise practice), talent demands (with named programmes) and hires, order classes with enrolments, employment
and retention checks, R&D projects, services, achievements and transfers, funding records, practice centres with
resources, opening hours, bookings and training sessions with trainees, the plan (phases, key tasks, sub-tasks) —
plus a few smaller consortia (5 % of the large one each at province scale, 20 % at county scale), so the province
view has several rows.

Measured (in this process, one after the other):
1. ``kpi_refresh(consortium_id=...)`` of the large consortium: wall time, queries (CaptureQueriesContext), facts;
   then each phase of ``kpis.compute.compute_facts`` alone (time, queries) to show where the time goes;
2. ``dashboard_data(...)`` from the facts (whole consortium and one school): median of N runs, queries;
3. baseline: the same dashboard computed live — ``compute_facts`` (what the refresh computes) per request, then
   the same cards and charts built from the in-memory facts — median of N runs; the figures are checked equal to
   (2);
4. the dashboard page through Django's test Client as an official (median, queries — counted with an execute
   wrapper, since the request_started signal resets CaptureQueriesContext's log; session and user lookups
   included), and as a platform admin the dashboard of the large consortium (``?consortium=``) and the province
   view;
5. peak memory of this process (``resource.getrusage``) after each step, and of the data-building child.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consortium.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SEED = 7
BATCH = 5000

# Main consortium; the smaller ones get SMALL_FRACTION of every count (with small minimums).
SCALES: dict[str, dict[str, int]] = {
    "county": dict(
        schools=10, enterprises=80, others=10, chains=6, programmes_per_school=8, students=3_000, teachers=300,
        demands=300, subtasks=50, hires=300, order_classes=20, per_class=25, centres=3, resources=4, bookings=2_000,
        sessions=30, per_session=20, projects=30, services=60, achievements=40, transfers=10, funding=100,
        practices=150, small=3,
    ),
    "province": dict(
        schools=400, enterprises=6_000, others=150, chains=12, programmes_per_school=10, students=200_000,
        teachers=20_000, demands=20_000, subtasks=2_000, hires=10_000, order_classes=1_000, per_class=25,
        centres=60, resources=5, bookings=50_000, sessions=1_500, per_session=20, projects=2_000, services=4_000,
        achievements=2_500, transfers=600, funding=5_000, practices=10_000, small=4,
    ),
}
SMALL_FRACTION = {"county": 0.2, "province": 0.05}
COUNTIES = ("宝清县", "友谊县", "饶河县", "集贤县", "桦南县", "汤原县", "富锦市", "同江市")


def progress(message: str) -> None:
    """A progress line on stderr (the figures go to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# === data (child process) ===========================================================================================


def bulk(model, objs: list) -> list:
    if objs:
        model.objects.bulk_create(objs, batch_size=BATCH)
    return objs


def build_reference() -> dict:
    """Industries and programme major categories (global reference data): the existing ones, else the
    vocabulary of bench/matching_data.py."""
    from matching_data import INDUSTRIES, MAJORS

    from consortium.tenancy.models import Industry
    from schools.models import ProgrammeMajorCategory

    if not Industry.objects.exists():
        bulk(Industry, [
            Industry(code=f"B{pk:02d}", name=name, group_code=f"G{pk % 5}", group_name=f"产业组{pk % 5}", position=pk)
            for pk, name in INDUSTRIES.items()
        ])
    if not ProgrammeMajorCategory.objects.exists():
        bulk(ProgrammeMajorCategory, [
            ProgrammeMajorCategory(name=name, code_secondary=s, code_associate=a, code_bachelor=b, position=pk)
            for pk, (name, s, a, b) in MAJORS.items()
        ])
    industries = list(Industry.objects.order_by("pk").values_list("pk", flat=True))
    majors = {c: pk for pk, c in ProgrammeMajorCategory.objects.values_list("pk", "code_associate")}
    return {"industries": industries, "majors": majors}


def scaled(params: dict[str, int], fraction: float) -> dict[str, int]:
    if fraction == 1:
        return dict(params)
    keep = {"programmes_per_school", "per_class", "per_session", "resources", "small"}
    return {k: (v if k in keep else max(2 if k in ("schools", "chains", "centres") else 3, int(v * fraction)))
            for k, v in params.items()}


def build_consortium(serial: int, name: str, params: dict[str, int], ref: dict, rng: random.Random,
                     today: date) -> dict:
    """Every row one consortium needs for its KPIs (bulk_create, no services: this is test data)."""
    from matching_data import BASES, COUNTY_TOWNS, MAJORS, PROGRAMMES

    from consortium.funding.choices import FundingSource
    from consortium.funding.models import FundingRecord
    from consortium.leadership.choices import Cadence, TaskStatus
    from consortium.leadership.models import KeyTask, PlanPhase, SubTask
    from consortium.tenancy.choices import ConsortiumStatus, UnitKind, UnitStatus
    from consortium.tenancy.models import Consortium, LocalChain, MemberUnit
    from enterprises.choices.demands import DemandKind, DemandStatus
    from enterprises.choices.order_classes import EnrolmentStatus, OrderClassKind, OrderClassStage
    from enterprises.choices.rnd import AchievementKind, ProjectStatus, ServiceKind, TransferMode
    from enterprises.models.demands import TalentDemand
    from enterprises.models.order_classes import Employment as OcEmployment
    from enterprises.models.order_classes import OrderClass, OrderClassEnrolment, RetentionCheck
    from enterprises.models.rnd import Achievement, AchievementTransfer, RnDProject, TechnicalService
    from matching.choices import CandidacyStatus
    from matching.models import Candidacy, MatchSettings
    from practice_center.choices import BookingPurpose, BookingStatus, CentreKind, ResourceKind, TrainingStatus
    from practice_center.models import Booking, OpeningHours, PracticeCentre, Resource, Trainee, TrainingSession
    from schools.choices import Employment, PriorityClass, SchoolLevel, StudentStatus
    from schools.models import (
        DualQualification,
        EnterprisePractice,
        Programme,
        ProgrammeIndustryLink,
        ProgrammeOffering,
        SchoolProfile,
        Student,
        Teacher,
    )
    from tests.factories.tenancy import credit_code

    tz = ZoneInfo(settings.TIME_ZONE)
    years = list(range(today.year - 5, today.year + 1))
    cohorts = list(range(today.year - 8, today.year + 1))  # graduating (cohort + 3) in the last 6 years, or studying
    pick = rng.choice

    def day_in(year: int) -> date:
        last = today if year == today.year else date(year, 12, 31)
        return date(year, 1, 1) + timedelta(days=rng.randrange((last - date(year, 1, 1)).days + 1))

    c = Consortium.objects.create(name=f"{name}产教联合体", region=f"黑龙江省{name}", division_code=f"2305{serial:02d}",
                                  status=ConsortiumStatus.ACTIVE)
    cid = c.pk
    division = f"2305{serial:02d}"

    # member units
    units = []
    counter = serial * 10_000_000
    for kind, count, label in ((UnitKind.SCHOOL, params["schools"], "职业学校"),
                               (UnitKind.ENTERPRISE, params["enterprises"], "有限公司"),
                               (UnitKind.GOVERNMENT, params["others"] // 3 + 1, "人民政府部门"),
                               (UnitKind.ASSOCIATION, params["others"] // 3 + 1, "行业协会"),
                               (UnitKind.RESEARCH, params["others"] // 3 + 1, "研究所")):
        for i in range(count):
            counter += 1
            status = UnitStatus.ACTIVE if rng.random() < 0.93 else pick(
                [UnitStatus.APPLIED, UnitStatus.SUSPENDED, UnitStatus.WITHDRAWN])
            units.append(MemberUnit(consortium_id=cid, kind=kind, name=f"{name}{label}{i + 1:05d}",
                                    credit_code=credit_code(counter, division=division), status=status,
                                    joined_on=date(today.year - 5, 3, 1)))
    bulk(MemberUnit, units)
    schools = [u for u in units if u.kind == UnitKind.SCHOOL]
    enterprises = [u for u in units if u.kind == UnitKind.ENTERPRISE]
    others = [u for u in units if u.kind not in (UnitKind.SCHOOL, UnitKind.ENTERPRISE)]

    # local chains, unit industries and chains
    industries = ref["industries"]
    chains = bulk(LocalChain, [LocalChain(consortium_id=cid, name=f"{name}产业链{i + 1:02d}", position=i)
                               for i in range(params["chains"])])
    bulk(LocalChain.industries.through, [
        LocalChain.industries.through(localchain_id=ch.pk, industry_id=ind)
        for ch in chains for ind in rng.sample(industries, 3)
    ])
    bulk(MemberUnit.industries.through, [
        MemberUnit.industries.through(memberunit_id=u.pk, industry_id=ind)
        for u in enterprises for ind in rng.sample(industries, rng.randint(1, 2))
    ])
    bulk(MemberUnit.local_chains.through, [
        MemberUnit.local_chains.through(memberunit_id=u.pk, localchain_id=pick(chains).pk)
        for u in enterprises if rng.random() < 0.3
    ])
    bulk(MatchSettings, [MatchSettings(consortium_id=cid, local_terms=f"{name}\n" + "\n".join(COUNTY_TOWNS[:3]))])

    # schools: profiles, programmes, offerings, links
    teachers_per_school = max(1, params["teachers"] // len(schools))
    bulk(SchoolProfile, [
        SchoolProfile(consortium_id=cid, unit_id=s.pk, level=pick([SchoolLevel.SECONDARY_VOCATIONAL,
                                                                  SchoolLevel.HIGHER_VOCATIONAL]),
                      staffing_quota=int(teachers_per_school * rng.uniform(0.8, 1.3)),
                      enrolment=params["students"] // len(schools))
        for s in schools
    ])
    catalogue = list(PROGRAMMES.items())
    programmes = []
    for s in schools:
        for (index, level), info in rng.sample(catalogue, params["programmes_per_school"]):
            base = BASES[index]
            major = ref["majors"].get(MAJORS[base.major][2]) or next(iter(ref["majors"].values()))
            programmes.append(Programme(consortium_id=cid, unit_id=s.pk, level=level, code=info["code"],
                                        name=base.name, major_category_id=major, is_active=rng.random() < 0.95))
    bulk(Programme, programmes)
    base_of = {}
    for p in programmes:
        base_of[p.pk] = next(b for b in BASES if b.name == p.name)
    links = []
    for p in programmes:
        for ind in base_of[p.pk].industries:
            if ind in industries:
                links.append(ProgrammeIndustryLink(consortium_id=cid, unit_id=p.unit_id, programme_id=p.pk,
                                                   industry_id=ind, weight=rng.choice([60, 80, 100])))
        if rng.random() < 0.3:
            links.append(ProgrammeIndustryLink(consortium_id=cid, unit_id=p.unit_id, programme_id=p.pk,
                                               local_chain_id=pick(chains).pk, weight=100))
    bulk(ProgrammeIndustryLink, links)
    priorities = list(PriorityClass.values)
    offerings = bulk(ProgrammeOffering, [
        ProgrammeOffering(consortium_id=cid, unit_id=p.unit_id, programme_id=p.pk, year=y,
                          planned_intake=rng.randint(20, 120), priority_class=pick(priorities))
        for p in programmes for y in cohorts
    ])
    offerings_by_school: dict[int, list] = {}
    for o in offerings:
        offerings_by_school.setdefault(o.unit_id, []).append(o)

    # students
    students = []
    for n in range(params["students"]):
        o = pick(offerings_by_school[schools[n % len(schools)].pk])
        graduation = date(o.year + 3, 6, 30)
        if graduation < today:
            status = rng.choices([StudentStatus.EMPLOYED, StudentStatus.GRADUATED, StudentStatus.FURTHER_STUDY],
                                 [55, 30, 15])[0]
        else:
            status = StudentStatus.INTERNSHIP if o.year + 3 == today.year + 1 and rng.random() < 0.4 else \
                StudentStatus.STUDYING
        students.append(Student(consortium_id=cid, unit_id=o.unit_id, offering_id=o.pk, student_no=f"S{n:07d}",
                                name=f"学生{n}", cohort=o.year, expected_graduation=graduation, status=status,
                                willing_to_work_locally=rng.random() < 0.5))
    bulk(Student, students)
    by_school_cohort: dict[tuple[int, int], list] = {}
    for s in students:
        by_school_cohort.setdefault((s.unit_id, s.cohort), []).append(s)

    # teachers, dual qualifications, enterprise practice
    teachers = bulk(Teacher, [
        Teacher(consortium_id=cid, unit_id=schools[n % len(schools)].pk, name=f"教师{n}",
                employment=Employment.FULL_TIME if rng.random() < 0.8 else Employment.PART_TIME,
                source_unit_id=None, title=pick(["讲师", "高级讲师", "助理讲师", ""]), is_active=rng.random() < 0.96)
        for n in range(params["teachers"])
    ])
    dual = []
    for t in teachers:
        if t.employment == Employment.FULL_TIME and rng.random() < 0.5:
            certified = day_in(rng.choice(years[:-1]))
            expires = certified + timedelta(days=rng.choice([365 * 3, 365 * 5])) if rng.random() < 0.8 else None
            dual.append(DualQualification(consortium_id=cid, unit_id=t.unit_id, teacher_id=t.pk,
                                          level=pick(["junior", "intermediate", "senior"]), certified_on=certified,
                                          expires_on=expires))
    bulk(DualQualification, dual)
    practices = []
    for _n in range(params["practices"]):
        t = pick(teachers)
        start = day_in(pick(years))
        practices.append(EnterprisePractice(consortium_id=cid, unit_id=t.unit_id, teacher_id=t.pk,
                                            host_unit_id=pick(enterprises).pk, start_date=start,
                                            end_date=start + timedelta(days=rng.randint(5, 60)),
                                            hours=rng.randint(16, 240)))
    bulk(EnterprisePractice, practices)

    # talent demands (+ named programmes) and hires
    published = [DemandStatus.APPROVED, DemandStatus.PARTLY_FILLED, DemandStatus.FILLED]
    demands = []
    for n in range(params["demands"]):
        headcount = rng.randint(1, 20)
        status = rng.choices([*published, DemandStatus.DRAFT, DemandStatus.EXPIRED], [40, 25, 15, 10, 10])[0]
        filled = {DemandStatus.FILLED: headcount, DemandStatus.PARTLY_FILLED: rng.randint(1, headcount)}.get(status, 0)
        start = day_in(pick(years))
        demands.append(TalentDemand(consortium_id=cid, unit_id=pick(enterprises).pk, position=f"岗位{n}",
                                    kind=rng.choices(list(DemandKind.values), [55, 25, 12, 8])[0],
                                    headcount=headcount, filled_count=filled, place=pick(COUNTY_TOWNS),
                                    start_date=start, status=status))
    bulk(TalentDemand, demands)
    bulk(TalentDemand.programmes.through, [
        TalentDemand.programmes.through(talentdemand_id=d.pk, programme_id=pick(programmes).pk)
        for d in demands if rng.random() < 0.6
    ])
    employable = [d for d in demands if d.kind != DemandKind.INTERNSHIP]
    graduates = [s for s in students if s.status == StudentStatus.EMPLOYED]
    candidacies = []
    for s in rng.sample(graduates, min(params["hires"], len(graduates))):
        d = pick(employable)
        candidacies.append(Candidacy(consortium_id=cid, student_id=s.pk, demand_id=d.pk, school_unit_id=s.unit_id,
                                     enterprise_unit_id=d.unit_id, score=rng.random(), status=CandidacyStatus.HIRED))
    bulk(Candidacy, candidacies)

    # order classes, enrolments, employment, retention checks
    by_school_programmes: dict[int, list] = {}
    for p in programmes:
        by_school_programmes.setdefault(p.unit_id, []).append(p)
    classes = []
    for n in range(params["order_classes"]):
        school = pick(schools)
        cohort = pick(cohorts[2:])
        done = cohort + 3 <= today.year - 1
        stage = pick([OrderClassStage.EMPLOYED, OrderClassStage.RETENTION_TRACKING, OrderClassStage.CLOSED]) if done \
            else pick([OrderClassStage.ENROLLING, OrderClassStage.TRAINING, OrderClassStage.ASSESSING])
        classes.append(OrderClass(consortium_id=cid, unit_id=school.pk, partner_unit_id=pick(enterprises).pk,
                                  kind=pick(list(OrderClassKind.values)), name=f"订单班{n:05d}",
                                  programme_id=pick(by_school_programmes[school.pk]).pk, cohort=cohort,
                                  quota=params["per_class"], stage=stage, starts_on=date(cohort, 9, 1),
                                  ends_on=date(cohort + 3, 6, 30)))
    bulk(OrderClass, classes)
    enrolments = []
    for oc in classes:
        pool = by_school_cohort.get((oc.unit_id, oc.cohort), [])
        done = oc.cohort + 3 <= today.year - 1
        for s in rng.sample(pool, min(len(pool), params["per_class"])):
            status = (EnrolmentStatus.GRADUATED if rng.random() < 0.85 else EnrolmentStatus.WITHDRAWN) if done else \
                (EnrolmentStatus.ENROLLED if rng.random() < 0.95 else EnrolmentStatus.WITHDRAWN)
            enrolments.append(OrderClassEnrolment(consortium_id=cid, unit_id=oc.unit_id, order_class_id=oc.pk,
                                                  student_id=s.pk, consent_on=date(oc.cohort, 9, 1), status=status,
                                                  enrolled_on=date(oc.cohort, 9, 10)))
    bulk(OrderClassEnrolment, enrolments)
    jobs, checks = [], []
    for e in enrolments:
        if e.status == EnrolmentStatus.GRADUATED and rng.random() < 0.7:
            employed_on = date(e.consent_on.year + 3, 7, 15)
            jobs.append(OcEmployment(consortium_id=cid, unit_id=e.unit_id, order_class_id=e.order_class_id,
                                     enrolment_id=e.pk, employed_on=employed_on, position="技术员"))
            for months in (6, 12):
                checked = employed_on + timedelta(days=30 * months)
                if checked <= today:
                    checks.append(RetentionCheck(consortium_id=cid, unit_id=e.unit_id, order_class_id=e.order_class_id,
                                                 enrolment_id=e.pk, months=months, checked_on=checked,
                                                 still_employed=rng.random() < 0.8))
    bulk(OcEmployment, jobs)
    bulk(RetentionCheck, checks)

    # R&D, services, achievements, transfers
    rnd_units = enterprises + schools + others
    projects = []
    for n in range(params["projects"]):
        start = day_in(pick(years))
        projects.append(RnDProject(consortium_id=cid, unit_id=pick(rnd_units).pk, title=f"研发项目{n}",
                                   budget=Decimal(rng.randint(5, 500)), start_on=start,
                                   end_on=start + timedelta(days=rng.randint(180, 900)),
                                   status=pick(list(ProjectStatus.values))))
    bulk(RnDProject, projects)
    services = []
    for n in range(params["services"]):
        unit, client = rng.sample(rnd_units, 2)
        services.append(TechnicalService(consortium_id=cid, unit_id=unit.pk, client_unit_id=client.pk,
                                         kind=pick(list(ServiceKind.values)), title=f"技术服务{n}",
                                         delivered_on=day_in(pick(years)), value=Decimal(rng.randint(1, 200))))
    bulk(TechnicalService, services)
    achievements = bulk(Achievement, [
        Achievement(consortium_id=cid, unit_id=pick(rnd_units).pk, kind=pick(list(AchievementKind.values)),
                    title=f"科技成果{n}", obtained_on=day_in(pick(years)))
        for n in range(params["achievements"])
    ])
    bulk(AchievementTransfer, [
        AchievementTransfer(consortium_id=cid, unit_id=a.unit_id, achievement_id=a.pk,
                            licensee_unit_id=pick(enterprises).pk, mode=pick(list(TransferMode.values)),
                            amount=Decimal(rng.randint(1, 300)), transferred_on=day_in(pick(years)))
        for a in rng.sample(achievements, min(params["transfers"], len(achievements)))
    ])
    bulk(FundingRecord, [
        FundingRecord(consortium_id=cid, source=pick(list(FundingSource.values)), amount=Decimal(rng.randint(1, 900)),
                      year=pick(years), recipient_id=pick(units).pk, purpose="建设资金")
        for _n in range(params["funding"])
    ])

    # practice centres, resources, opening hours, bookings, training sessions and trainees
    centres = []
    for n in range(params["centres"]):
        owner = pick(schools + enterprises[:max(1, len(enterprises) // 10)])
        centres.append(PracticeCentre(consortium_id=cid, unit_id=owner.pk, owner_unit_id=owner.pk,
                                      operator_unit_id=owner.pk, name=f"{name}实践中心{n:03d}",
                                      kind=pick(list(CentreKind.values)), offers_social_training=rng.random() < 0.7))
    bulk(PracticeCentre, centres)
    resources = bulk(Resource, [
        Resource(consortium_id=cid, centre_id=ce.pk, kind=pick(list(ResourceKind.values)), name=f"实训室{i}",
                 exclusive=True, capacity=1)
        for ce in centres for i in range(params["resources"])
    ])
    bulk(OpeningHours, [
        OpeningHours(consortium_id=cid, centre_id=ce.pk, weekday=wd, opens=dtime(8), closes=dtime(17))
        for ce in centres for wd in range(5)
    ])
    slots: set[tuple[int, date, int]] = set()
    bookings = []
    booking_years = years[-2:]  # bookings in the last two years (utilisation of the current and previous year)
    while len(bookings) < params["bookings"]:
        r = pick(resources)
        day = day_in(pick(booking_years))
        if day.weekday() > 4:
            continue
        slot = rng.randrange(4)  # 8-10, 10-12, 13-15, 15-17
        if (r.pk, day, slot) in slots:
            continue
        slots.add((r.pk, day, slot))
        hour = (8, 10, 13, 15)[slot]
        start = datetime.combine(day, dtime(hour), tz)
        bookings.append(Booking(consortium_id=cid, unit_id=pick(schools).pk, centre_id=r.centre_id, resource_id=r.pk,
                                resource_exclusive=True, purpose=pick(list(BookingPurpose.values)), start=start,
                                end=start + timedelta(hours=2), headcount=rng.randint(1, 40),
                                status=BookingStatus.COMPLETED if day < today else BookingStatus.APPROVED))
    bulk(Booking, bookings)
    sessions = []
    for n in range(params["sessions"]):
        ce = pick(centres)
        start = day_in(pick(years))
        sessions.append(TrainingSession(consortium_id=cid, unit_id=ce.unit_id, centre_id=ce.pk, course=f"培训班{n}",
                                        start_date=start, end_date=start + timedelta(days=rng.randint(1, 10)),
                                        hours=Decimal(rng.randint(8, 64)), status=TrainingStatus.FINISHED))
    bulk(TrainingSession, sessions)
    bulk(Trainee, [
        Trainee(consortium_id=cid, unit_id=se.unit_id, session_id=se.pk, name=f"学员{se.pk}-{i}",
                employer_name="个体", attended_hours=se.hours, completed=rng.random() < 0.9)
        for se in sessions for i in range(rng.randint(params["per_session"] // 2, params["per_session"] * 3 // 2))
    ])

    # the plan: phases, key tasks, sub-tasks led by units
    phase_starts = [date(today.year - 2, 1, 1), date(today.year - 1, 1, 1), date(today.year, 1, 1)]
    phases = bulk(PlanPhase, [
        PlanPhase(consortium_id=cid, number=i + 1, name=f"第{i + 1}阶段", starts_on=s,
                  ends_on=date(s.year + (2 if i == 2 else 0), 12, 31))
        for i, s in enumerate(phase_starts)
    ])
    key_tasks = bulk(KeyTask, [KeyTask(consortium_id=cid, number=i + 1, title=f"重点任务{i + 1}") for i in range(9)])
    leads = rng.sample(units, min(len(units), max(5, params["subtasks"] // 4)))
    subtasks = []
    for n in range(params["subtasks"]):
        phase = pick(phases)
        starts = phase.starts_on + timedelta(days=rng.randrange(120))
        deadline = starts + timedelta(days=rng.randint(60, 600))
        status = rng.choices(list(TaskStatus.values), [20, 55, 20, 5])[0]
        progress = {TaskStatus.NOT_STARTED: 0, TaskStatus.COMPLETED: 100}.get(status, rng.randint(5, 95))
        subtasks.append(SubTask(consortium_id=cid, key_task_id=pick(key_tasks).pk, phase_id=phase.pk,
                                code=f"{n + 1:04d}", title=f"子任务{n + 1}", lead_unit_id=pick(leads).pk,
                                responsible_person="负责人", starts_on=starts, deadline=deadline,
                                cadence=pick(list(Cadence.values)), status=status, progress=progress,
                                completed_on=deadline if status == TaskStatus.COMPLETED else None))
    bulk(SubTask, subtasks)

    return {
        "consortium_id": cid,
        "school_id": max(schools, key=lambda s: len(offerings_by_school[s.pk])).pk,
        "rows": {
            "units": len(units), "programmes": len(programmes), "offerings": len(offerings),
            "students": len(students), "teachers": len(teachers), "dual": len(dual), "practices": len(practices),
            "demands": len(demands), "hires": len(candidacies), "order_classes": len(classes),
            "enrolments": len(enrolments), "employments": len(jobs), "retention_checks": len(checks),
            "rnd_projects": len(projects), "services": len(services), "achievements": len(achievements),
            "funding": params["funding"], "centres": len(centres), "resources": len(resources),
            "bookings": len(bookings), "sessions": len(sessions), "subtasks": len(subtasks),
        },
    }


def build_all(scale: str) -> dict:
    """Child process: build every consortium, the users, ANALYZE; print the ids as JSON."""
    from django.utils import timezone

    from consortium.tenancy.choices import Role
    from consortium.tenancy.models import User

    rng = random.Random(SEED)
    today = timezone.localdate()
    params = SCALES[scale]
    started = time.perf_counter()
    ref = build_reference()
    main = build_consortium(1, COUNTIES[0], params, ref, rng, today)
    small = [build_consortium(i + 2, COUNTIES[i + 1], scaled(params, SMALL_FRACTION[scale]), ref, rng, today)
             for i in range(params["small"])]
    official = User.objects.create_user(username="bench_official", password=None, consortium_id=main["consortium_id"],
                                        role=Role.OFFICIAL)
    admin = User.objects.create_user(username="bench_admin", password=None, role=Role.PLATFORM_ADMIN)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"main": main, "small": [s["consortium_id"] for s in small],
            "small_students": sum(s["rows"]["students"] for s in small),
            "official_id": official.pk, "admin_id": admin.pk,
            "build_seconds": time.perf_counter() - started, "build_peak_mib": peak_mib()}


# === measurements (parent process) ==================================================================================


class QueryCounter:
    """Counts the queries run on the connection (an execute wrapper: unlike CaptureQueriesContext it is not reset
    by the request_started signal, so it also counts a test-client request, session and user lookups included)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)

    def __len__(self) -> int:
        return self.count


def timed(fn, runs: int, warmup: int = 1, *, request: bool = False) -> tuple[float, int, list[float], object]:
    """(median ms, queries of one run, all timings, last result). Queries by CaptureQueriesContext, or for a
    test-client request (``request``) by QueryCounter."""
    result = None
    for _ in range(warmup):
        result = fn()
    with (QueryCounter() if request else CaptureQueriesContext(connection)) as captured:
        result = fn()
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), len(captured), timings, result


def live_dashboard(consortium_id: int, year: int, unit_id: int | None):
    """What a dashboard without the summary table would cost: every fact computed live (``compute_facts``, the
    refresh's own computation), then the same cards and charts as ``dashboard_data`` built from those facts."""
    from django.utils import timezone

    from consortium.leadership import dashboard as dash
    from consortium.leadership.kpis.compute import compute_facts
    from consortium.leadership.kpis.registry import FLOW_KEYS, STOCK_KEYS

    facts = compute_facts(consortium_id, today=timezone.localdate())
    rows = [
        {"metric": metric, "dimension": dimension[:64], "label": label, "value": value}
        for fyear, funit, metric, dimension, label, value in facts.rows()
        if funit == unit_id and ((fyear == 0 and metric in STOCK_KEYS) or (fyear == year and metric in FLOW_KEYS))
    ]
    rows.sort(key=lambda r: (r["metric"], r["dimension"]))
    data = dash._Facts(rows, True)
    return dash.Dashboard(consortium_id=consortium_id, year=year, unit_id=unit_id, refreshed_at=None,
                          cards=dash._cards(data, year, unit_id), charts=[b(data, year, unit_id) for b in dash.CHARTS])


def compute_phases(consortium_id: int) -> list[tuple[str, float, int]]:
    """Each phase of compute_facts alone, in its order (same arguments), with its time and queries."""
    from django.utils import timezone

    from consortium.leadership.kpis import compute
    from consortium.tenancy.models import MemberUnit

    today = timezone.localdate()
    facts = compute.Facts()
    out = []

    def phase(label, fn):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            result = fn()
            out.append((label, (time.perf_counter() - start) * 1000, len(captured)))
        return result

    names = phase(
        "unit names", lambda: dict(MemberUnit.objects.for_consortium(consortium_id).values_list("pk", "name"))
    )
    phase("_counted (grouped query per metric)", lambda: compute._counted(facts, consortium_id, today, names))
    phase("_part_time_cap", lambda: compute._part_time_cap(facts, consortium_id, names))
    phase("_practice (utilisation + training)", lambda: compute._practice(facts, consortium_id, today))
    years = compute.years_for(today)
    phase("  gap_inputs (supply/demand reads)", lambda: compute.gap_inputs(consortium_id, years))
    phase("_supply_demand (gap_inputs + analyse)", lambda: compute._supply_demand(facts, consortium_id, today))
    phase("_tasks", lambda: compute._tasks(facts, consortium_id, today))
    phase("_ratios", lambda: compute._ratios(facts))
    return out


def strip(d: dict) -> dict:
    d = dict(d)
    d.pop("refreshed_at", None)
    return d


def profile_compute(consortium_id: int, top: int = 25) -> None:
    """cProfile of one compute_facts run and one dashboard_data run (after the measurements, so that it does not
    disturb them)."""
    import cProfile
    import io
    import pstats

    from django.utils import timezone

    from consortium.leadership.kpis.compute import compute_facts

    profiler = cProfile.Profile()
    profiler.enable()
    compute_facts(consortium_id, today=timezone.localdate())
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    print("\ncProfile of one compute_facts run (cumulative):")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:12000])

    from consortium.leadership.dashboard import dashboard_data

    profiler = cProfile.Profile()
    profiler.enable()
    dashboard_data(consortium_id=consortium_id, year=timezone.localdate().year)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print("\ncProfile of one dashboard_data run, whole consortium (own time):")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


def measure(ids: dict, scale: str, runs: int, live_runs: int, refresh_runs: int, profile: bool = False) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from consortium.leadership.dashboard import dashboard_data
    from consortium.leadership.kpis.refresh import kpi_refresh
    from consortium.tenancy.models import User

    setup_test_environment()
    logging.getLogger("axes").setLevel(logging.WARNING)  # no log line per force_login
    main = ids["main"]
    cid, school_id = main["consortium_id"], main["school_id"]
    year = timezone.localdate().year
    memory = [("after data build (child process)", ids["build_peak_mib"]), ("measuring process at start", peak_mib())]

    # 1. refresh
    progress("kpi_refresh")
    for small_id in ids["small"]:
        kpi_refresh(consortium_id=small_id, trigger="bench")
    refresh_times = []
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        refresh = kpi_refresh(consortium_id=cid, trigger="bench")
        refresh_times.append(time.perf_counter() - start)
    refresh_queries = len(captured)
    assert refresh.status == "done", refresh.message
    for _ in range(refresh_runs - 1):
        start = time.perf_counter()
        refresh = kpi_refresh(consortium_id=cid, trigger="bench")
        refresh_times.append(time.perf_counter() - start)
    memory.append(("after kpi_refresh", peak_mib()))
    progress("compute phases")
    phases = compute_phases(cid)
    memory.append(("after compute phases", peak_mib()))

    # 2. dashboard from the facts
    progress("dashboard_data")
    d_ms, d_q, _t, dash_all = timed(lambda: dashboard_data(consortium_id=cid, year=year), runs, warmup=3)
    u_ms, u_q, _t, dash_unit = timed(lambda: dashboard_data(consortium_id=cid, year=year, unit_id=school_id), runs,
                                     warmup=3)
    memory.append(("after dashboard_data", peak_mib()))

    # 3. baseline: the same figures computed live (its first, counted run is the warm-up)
    progress("live baseline")
    l_ms, l_q, _t, live_all = timed(lambda: live_dashboard(cid, year, None), live_runs, warmup=0)
    lu_ms, lu_q, _t, live_unit = timed(lambda: live_dashboard(cid, year, school_id), live_runs, warmup=0)
    same_all = strip(live_all.as_dict()) == strip(dash_all.as_dict())
    same_unit = strip(live_unit.as_dict()) == strip(dash_unit.as_dict())
    memory.append(("after live baseline", peak_mib()))

    # 4. pages through the test client
    progress("pages")
    official, admin = Client(), Client()
    official.force_login(User.objects.get(pk=ids["official_id"]))
    admin.force_login(User.objects.get(pk=ids["admin_id"]))

    def page(client, url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(response.content)
        return get

    pages = []
    for label, client, url in (
        ("dashboard page, official", official, f"/leadership/dashboard/?year={year}"),
        ("dashboard page, official, one school", official, f"/leadership/dashboard/?year={year}&unit={school_id}"),
        ("dashboard page, platform admin", admin, f"/leadership/dashboard/?consortium={cid}&year={year}"),
        ("province view, platform admin", admin, f"/leadership/province/?year={year}"),
    ):
        ms, queries, _t, size = timed(page(client, url), runs, warmup=2, request=True)
        pages.append((label, ms, queries, size))
    memory.append(("after pages", peak_mib()))

    # report
    rows = main["rows"]
    print(f"{connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''} · scale {scale} · "
          f"cores {os.cpu_count()} · load {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"data built in {ids['build_seconds']:.1f} s (child process, bulk_create): large consortium "
          + ", ".join(f"{k} {v:,}" for k, v in rows.items())
          + f"; plus {len(ids['small'])} smaller consortia ({ids['small_students']:,} students together)\n")
    print(f"1. kpi_refresh(consortium_id={cid}) of the large consortium: {refresh.facts:,} facts")
    print(f"   first run {refresh_times[0]:.2f} s, {refresh_queries} queries"
          + (f"; median of {len(refresh_times)} runs {statistics.median(refresh_times):.2f} s" if len(refresh_times) > 1
             else ""))
    print("   compute_facts by phase (run alone, warm):")
    for label, ms, queries in phases:
        print(f"     {label:<40} {ms:>10.1f} ms {queries:>6} queries")
    print()
    print(f"{'case':<52} {'median ms':>11} {'queries':>8}  note")
    print(f"{'2. dashboard_data (facts), whole consortium':<52} {d_ms:>11.2f} {d_q:>8}  median of {runs}")
    print(f"{'   dashboard_data (facts), one school':<52} {u_ms:>11.2f} {u_q:>8}  median of {runs}")
    print(f"{'3. baseline: computed live, whole consortium':<52} {l_ms:>11.2f} {l_q:>8}  median of {live_runs}; "
          f"{l_ms / d_ms:,.0f}x; same figures: {'yes' if same_all else 'NO'}")
    print(f"{'   baseline: computed live, one school':<52} {lu_ms:>11.2f} {lu_q:>8}  median of {live_runs}; "
          f"{lu_ms / u_ms:,.0f}x; same figures: {'yes' if same_unit else 'NO'}")
    for label, ms, queries, size in pages:
        print(f"{'4. ' + label:<52} {ms:>11.2f} {queries:>8}  median of {runs}; {size / 1024:,.0f} KiB HTML")
    print()
    print("5. peak memory (ru_maxrss)")
    for label, mib in memory:
        print(f"   {label:<40} {mib:>8.0f} MiB")
    if profile:
        profile_compute(cid)


# === main ===========================================================================================================


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=tuple(SCALES), default="county")
    parser.add_argument("--runs", type=int, default=None, help="timed runs of the fast cases (county 30, province 10)")
    parser.add_argument("--live-runs", type=int, default=None, help="timed runs of the live baseline (5 / 3)")
    parser.add_argument("--refresh-runs", type=int, default=None, help="kpi_refresh runs (3 / 2)")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of one compute_facts run")
    parser.add_argument("--child-build", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    province = args.scale == "province"
    runs = args.runs or (10 if province else 30)
    live_runs = args.live_runs or (3 if province else 5)
    refresh_runs = args.refresh_runs or (2 if province else 3)

    db = settings.DATABASES["default"]
    if args.child_build:  # the child connects straight to the bench database the parent created
        db["NAME"] = args.child_build
        print(json.dumps(build_all(args.scale)))
        return 0

    from django.test.utils import setup_databases, teardown_databases

    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"bench_leadership_{db['NAME']}"
    else:  # a file, so that the child process sees the same database
        db.setdefault("TEST", {})["NAME"] = str(ROOT / "var" / "bench_leadership.sqlite3")
    old_config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        test_name = settings.DATABASES["default"]["NAME"]
        connection.close()
        progress(f"building the {args.scale} data set in a child process")
        done = subprocess.run([sys.executable, __file__, "--scale", args.scale, "--child-build", test_name],
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            sys.exit(f"data build failed:\n{done.stderr[-5000:]}")
        ids = json.loads(done.stdout.strip().splitlines()[-1])
        measure(ids, args.scale, runs, live_runs, refresh_runs, args.profile)
    finally:
        teardown_databases(old_config, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
