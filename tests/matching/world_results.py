"""Shared fixture of the matching page and API tests (helper M3): one consortium with two schools, two enterprises,
the secretariat and an official, a published run with recommendations and candidacies on both sides, and a foreign
consortium with its own published run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from matching.choices import RunStatus
from tests.factories.enterprises_demands import EnterpriseUnitFactory, TalentDemandFactory
from tests.factories.matching import CandidacyFactory, MatchRunFactory, RecommendationFactory, student_in
from tests.factories.schools import SchoolUnitFactory
from tests.factories.tenancy import ConsortiumFactory, UnitMembershipFactory, UserFactory


@dataclass
class W:
    consortium: Any
    school: Any
    school2: Any
    ent: Any
    ent2: Any
    school_admin: Any
    school_staff: Any
    school2_admin: Any
    ent_admin: Any
    ent_staff: Any
    ent2_admin: Any
    secretariat: Any
    official: Any
    run: Any
    draft_run: Any
    demand: Any
    demand2: Any
    s1: Any
    s2: Any
    s3: Any
    rec_s1_d: Any
    rec_s2_d: Any
    rec_s3_d2: Any
    rec_s1_d2: Any
    cand_s1_d: Any
    cand_s3_d2: Any
    foreign: Any
    foreign_ent: Any
    foreign_secretariat: Any
    foreign_admin: Any
    foreign_run: Any
    foreign_rec: Any
    foreign_cand: Any


def member(unit, *, admin: bool = False, username: str):
    return UnitMembershipFactory(unit=unit, admin=admin, user__username=username).user


def rec(run, student, demand, *, score: float = 0.75, in_plan: bool = False, rank: int = 1, **extra):
    return RecommendationFactory(
        run=run, student=student, demand=demand, score=score, in_plan=in_plan, rank_for_demand=rank,
        rank_for_student=rank, explanation="专业对口 +0.40 · 技能 1/2 +0.15", missing_skills=["电工证"], **extra,
    )


@pytest.fixture
def w(db) -> W:
    consortium = ConsortiumFactory(name="宝清县产教联合体")
    school = SchoolUnitFactory(consortium=consortium, name="宝清县职业技术教育中心")
    school2 = SchoolUnitFactory(consortium=consortium, name="宝清县第二职业学校")
    ent = EnterpriseUnitFactory(consortium=consortium, name="北辰煤电")
    ent2 = EnterpriseUnitFactory(consortium=consortium, name="挠力河米业")
    run = MatchRunFactory(consortium=consortium)
    draft_run = MatchRunFactory(consortium=consortium, status=RunStatus.SUCCEEDED, published_at=None)
    demand = TalentDemandFactory(unit=ent, position="电气维修工")
    demand2 = TalentDemandFactory(unit=ent2, position="粮食烘干工")
    s1 = student_in(consortium, school, name="李晓梅", phone="13800000001")
    s2 = student_in(consortium, school, name="王建国", phone="13800000002")
    s3 = student_in(consortium, school2, name="赵一鸣", phone="13800000003")
    rec_s1_d = rec(run, s1, demand, score=0.9, in_plan=True, rank=1)
    rec_s2_d = rec(run, s2, demand, score=0.6, rank=2)
    rec_s3_d2 = rec(run, s3, demand2, score=0.8, in_plan=True, rank=1)
    rec_s1_d2 = rec(run, s1, demand2, score=0.5, rank=2)
    rec(draft_run, s2, demand2, score=0.7, in_plan=True)  # an unpublished run: units never see it
    cand_s1_d = CandidacyFactory(demand=demand, student=s1, run=run, recommendation=rec_s1_d, score=0.9)
    cand_s3_d2 = CandidacyFactory(demand=demand2, student=s3, run=run, recommendation=rec_s3_d2, score=0.8)

    foreign = ConsortiumFactory(name="饶河县产教联合体")
    foreign_ent = EnterpriseUnitFactory(consortium=foreign, name="黑蜂蜂业")
    foreign_run = MatchRunFactory(consortium=foreign)
    foreign_demand = TalentDemandFactory(unit=foreign_ent)
    foreign_student = student_in(foreign)
    foreign_rec = rec(foreign_run, foreign_student, foreign_demand, in_plan=True)
    foreign_cand = CandidacyFactory(
        demand=foreign_demand, student=foreign_student, run=foreign_run, recommendation=foreign_rec
    )
    return W(
        consortium=consortium, school=school, school2=school2, ent=ent, ent2=ent2,
        school_admin=member(school, admin=True, username="school_admin"),
        school_staff=member(school, username="school_staff"),
        school2_admin=member(school2, admin=True, username="school2_admin"),
        ent_admin=member(ent, admin=True, username="ent_admin"),
        ent_staff=member(ent, username="ent_staff"),
        ent2_admin=member(ent2, admin=True, username="ent2_admin"),
        secretariat=UserFactory(consortium=consortium, secretariat=True, username="sec"),
        official=UserFactory(consortium=consortium, official=True, username="off"),
        run=run, draft_run=draft_run, demand=demand, demand2=demand2, s1=s1, s2=s2, s3=s3,
        rec_s1_d=rec_s1_d, rec_s2_d=rec_s2_d, rec_s3_d2=rec_s3_d2, rec_s1_d2=rec_s1_d2,
        cand_s1_d=cand_s1_d, cand_s3_d2=cand_s3_d2,
        foreign=foreign, foreign_ent=foreign_ent,
        foreign_secretariat=UserFactory(consortium=foreign, secretariat=True, username="fsec"),
        foreign_admin=member(foreign_ent, admin=True, username="foreign_admin"),
        foreign_run=foreign_run, foreign_rec=foreign_rec, foreign_cand=foreign_cand,
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
