"""A small social-training world for the training/production page and API tests (helper P3's modules).

School S owns and operates a published centre; enterprise E organises a session there (``sess_e``, two trainees
with ID numbers) and one at its own UNPUBLISHED centre (``sess_hidden``); S organises ``sess_s`` at its own centre;
X is an unrelated member; F is another consortium with its own centre and session."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from consortium.tenancy.choices import UnitKind
from tests.factories.practice_center import (
    PracticeCentreFactory,
    ProductionRecordFactory,
    TraineeFactory,
    TrainingSessionFactory,
)
from tests.factories.tenancy import ConsortiumFactory, MemberUnitFactory, UnitMembershipFactory, UserFactory

ID_A = "230523199001011234"
ID_B = "230523199202022343"


def build() -> Any:
    w = SimpleNamespace()
    w.c = ConsortiumFactory()
    w.S = MemberUnitFactory(consortium=w.c, kind=UnitKind.SCHOOL, name="职教中心")
    w.E = MemberUnitFactory(consortium=w.c, name="培训企业")
    w.X = MemberUnitFactory(consortium=w.c, name="无关企业")
    w.s_admin = UnitMembershipFactory(unit=w.S, admin=True).user
    w.s_staff = UnitMembershipFactory(unit=w.S).user
    w.e_admin = UnitMembershipFactory(unit=w.E, admin=True).user
    w.e_staff = UnitMembershipFactory(unit=w.E).user
    w.x_admin = UnitMembershipFactory(unit=w.X, admin=True).user
    w.sec = UserFactory(consortium=w.c, secretariat=True)
    w.official = UserFactory(consortium=w.c, official=True)
    w.centre = PracticeCentreFactory(owner_unit=w.S, name="公共实训基地")
    w.e_centre = PracticeCentreFactory(owner_unit=w.E, name="企业培训中心", is_published=False)
    w.sess_e = TrainingSessionFactory(
        centre=w.centre, unit=w.E, course="电工培训", start_date=date(2025, 3, 3), end_date=date(2025, 3, 14)
    )
    w.t1 = TraineeFactory(session=w.sess_e, name="张伟", id_number=ID_A, phone="13900001111")
    w.t2 = TraineeFactory(session=w.sess_e, name="李娜", id_number=ID_B, phone="13900002222")
    w.sess_s = TrainingSessionFactory(
        centre=w.centre, unit=w.S, course="焊工培训", start_date=date(2025, 4, 7), end_date=date(2025, 4, 18)
    )
    w.sess_hidden = TrainingSessionFactory(centre=w.e_centre, unit=w.E, course="内部安全培训")
    w.record = ProductionRecordFactory(centre=w.centre, item="豆干", value=Decimal("2.50"), date=date(2025, 4, 10))
    w.e_record = ProductionRecordFactory(centre=w.e_centre, item="内部加工", value=Decimal("7.00"))
    w.f = ConsortiumFactory()
    w.F = MemberUnitFactory(consortium=w.f, name="外县学校")
    w.foreign_centre = PracticeCentreFactory(owner_unit=w.F, name="外县实训基地")
    w.foreign_sess = TrainingSessionFactory(centre=w.foreign_centre, unit=w.F, course="外县培训")
    w.foreign_trainee = TraineeFactory(session=w.foreign_sess, name="外县学员")
    w.foreign_record = ProductionRecordFactory(centre=w.foreign_centre, item="外县产品")
    w.foreign_sec = UserFactory(consortium=w.f, secretariat=True)
    return w
