"""The order-class demo on top of the real kernel and schools demo: 4–6 classes at different stages, one industry
college with members, programmes, an order class and an annual report; a rerun changes nothing."""

from __future__ import annotations

import io

import pytest

from consortium.tenancy.demo import kernel
from consortium.tenancy.demo.data import DEMO_SETS, DEMO_USERS
from enterprises.demo import order_classes as demo
from enterprises.models.order_classes import (
    CollegeAnnualReport,
    CollegeMember,
    Employment,
    ModernIndustryCollege,
    OrderClass,
    OrderClassEnrolment,
    OrderClassStageChange,
    RetentionCheck,
)
from schools import demo as schools_demo

pytestmark = pytest.mark.django_db


def _snapshot(consortium_id):
    return [
        m.objects.for_consortium(consortium_id).count()
        for m in (
            OrderClass,
            OrderClassEnrolment,
            OrderClassStageChange,
            Employment,
            RetentionCheck,
            ModernIndustryCollege,
            CollegeMember,
            CollegeAnnualReport,
        )
    ]


def test_demo_builds_classes_at_different_stages_and_a_college_idempotently():
    context = kernel.load_kernel()
    key = DEMO_SETS[0].consortium.key
    consortium = context.consortia[key]
    secretariat = next(context.users[u.username] for u in DEMO_USERS if u.role == "secretariat" and u.consortium == key)
    schools_demo.load(consortium=consortium, secretariat=secretariat, stdout=None)
    demo.load(consortium=consortium, secretariat=secretariat, stdout=io.StringIO())
    classes = OrderClass.objects.for_consortium(consortium.pk)
    assert 4 <= classes.count() <= 6
    assert {"proposed", "agreed", "enrolling", "training", "retention_tracking"} <= set(
        classes.values_list("stage", flat=True)
    )
    assert all(oc.unit.kind == "school" and oc.partner_unit.kind == "enterprise" for oc in classes)
    tracked = classes.get(stage="retention_tracking")
    assert tracked.enrolments.count() >= 1 and Employment.objects.filter(order_class=tracked).exists()
    assert RetentionCheck.objects.filter(order_class=tracked).exists()
    college = ModernIndustryCollege.objects.for_consortium(consortium.pk).get()
    assert college.members.count() >= 2 and college.programmes.exists()
    assert college.order_classes.exists() and college.annual_reports.exists()
    before = _snapshot(consortium.pk)
    demo.load(consortium=consortium, secretariat=secretariat, stdout=None)
    assert _snapshot(consortium.pk) == before
