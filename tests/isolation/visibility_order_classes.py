"""Visibility entries for enterprises.order_classes (merged into visibility.VISIBILITY).

Order classes and everything hanging off them belong to the school (``unit``): the school, the secretariat and
officials read them; the school's admins and the secretariat change them. The partner enterprise reads them only
through an explicit guardian share; the world's classes have a user-less partner, so no world actor gains a share
(the share itself is tested in tests/enterprises/test_order_classes_share.py). Order classes are not published
consortium-wide. Modern industry colleges and their rows are readable consortium-wide; the lead unit's admins
write them.
"""

from __future__ import annotations

from enterprises.models import order_classes as oc

from .visibility import ADMIN, _unit_fk, consortium, unit

VISIBILITY: dict = {
    oc.OrderClass: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.OrderClassStageChange: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.OrderClassEnrolment: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.TrainingPlanItem: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.TeamMember: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.TeachingResource: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.Assessment: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.AssessmentScore: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.Employment: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.RetentionCheck: unit(owners=_unit_fk, write_roles=ADMIN),
    oc.ModernIndustryCollege: consortium(owners=_unit_fk, write_roles=ADMIN),
    oc.CollegeMember: consortium(owners=_unit_fk, write_roles=ADMIN),
    oc.CollegeGovernanceMember: consortium(owners=_unit_fk, write_roles=ADMIN),
    oc.CollegeAnnualReport: consortium(owners=_unit_fk, write_roles=ADMIN),
}
