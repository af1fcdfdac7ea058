"""The isolation world: consortium A (units A1, A2), consortium B (unit B1), one user per role, and one object of
every registered model owned by A1, one by A2 and one in B."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from consortium.tenancy.choices import UnitRole
from consortium.tenancy.models import Consortium, MemberUnit, User
from tests.factories import OWNED_FACTORIES
from tests.factories.tenancy import (
    ConsortiumFactory,
    IndustryFactory,
    MemberUnitFactory,
    UnitMembershipFactory,
    UserFactory,
)

from .visibility import Actor

ROLES = ("anonymous", "platform_admin", "a_secretariat", "a_official", "a1_admin", "a1_staff", "b_secretariat")
OWNED_SLOTS = ("A1", "A2", "B")


@dataclass
class World:
    a: Consortium
    b: Consortium
    a1: MemberUnit
    a2: MemberUnit
    b1: MemberUnit
    actors: dict[str, Actor] = field(default_factory=dict)
    objects: dict[type, dict[str, Any]] = field(default_factory=dict)  # model -> slot -> row

    def user(self, role: str) -> User | None:
        """A fresh instance of the role's user (scoping memoises unit roles on the instance)."""
        actor = self.actors[role]
        return None if actor.pk is None else User.objects.get(pk=actor.pk)

    def is_own_b_secretariat(self, role: str, slot: str) -> bool:
        return role == "b_secretariat" and slot == "B"


def build_world() -> World:
    a, b = ConsortiumFactory(name="甲县产教联合体"), ConsortiumFactory(name="乙县产教联合体")
    world = World(
        a=a, b=b,
        a1=MemberUnitFactory(consortium=a, name="甲一单位"),
        a2=MemberUnitFactory(consortium=a, name="甲二单位"),
        b1=MemberUnitFactory(consortium=b, name="乙一单位"),
    )
    platform = UserFactory(platform_admin=True, username="iso_platform")
    a_sec = UserFactory(consortium=a, secretariat=True, username="iso_a_secretariat")
    a_off = UserFactory(consortium=a, official=True, username="iso_a_official")
    b_sec = UserFactory(consortium=b, secretariat=True, username="iso_b_secretariat")
    a1_admin = UnitMembershipFactory(unit=world.a1, admin=True, user__username="iso_a1_admin").user
    a1_staff = UnitMembershipFactory(unit=world.a1, user__username="iso_a1_staff").user
    world.actors = {
        "anonymous": Actor("anonymous", None),
        "platform_admin": Actor("platform_admin", "platform_admin", None, platform.pk),
        "a_secretariat": Actor("a_secretariat", "secretariat", a.pk, a_sec.pk),
        "a_official": Actor("a_official", "official", a.pk, a_off.pk),
        "a1_admin": Actor("a1_admin", "member", a.pk, a1_admin.pk, {world.a1.pk: UnitRole.UNIT_ADMIN.value}),
        "a1_staff": Actor("a1_staff", "member", a.pk, a1_staff.pk, {world.a1.pk: UnitRole.UNIT_STAFF.value}),
        "b_secretariat": Actor("b_secretariat", "secretariat", b.pk, b_sec.pk),
    }
    assert tuple(world.actors) == ROLES
    for model, build in OWNED_FACTORIES.items():
        world.objects[model] = {"A1": build(a, world.a1), "A2": build(a, world.a2), "B": build(b, world.b1)}
    # Explicit exceptions of the visibility table (not tenant rows).
    world.objects[Consortium] = {"A": a, "B": b}
    from consortium.tenancy.models import Industry

    world.objects[Industry] = {"global": IndustryFactory()}
    return world
