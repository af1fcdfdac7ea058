import json
import os
import subprocess
import sys
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

from matching.engine.explain import COMPONENT_LABELS, explain
from matching.engine.types import Component

ROOT = Path(__file__).resolve().parents[3]


def test_breakdown_in_words_skips_zero_components():
    components = (
        Component("programme", 0.4),
        Component("skills", 0.268, "3/4"),
        Component("level", 0.0),
        Component("place", 0.004),  # shows as +0.00: left out
        Component("local", 0.1),
    )
    assert explain(components) == "专业对口 +0.40 · 技能 3/4 +0.27 · 本地意愿 +0.10"
    assert explain(()) == ""
    assert explain((Component("timing", -0.05),)) == "到岗时间 -0.05"


def test_every_component_has_a_label():
    assert set(COMPONENT_LABELS) == {
        "programme", "skills", "level", "place", "local", "timing", "order_class", "terms", "industry",
    }


def test_labels_follow_the_active_language():
    with translation.override("en"):
        assert explain((Component("programme", 0.4),)) == f"{gettext('专业对口')} +0.40"


def test_the_engine_runs_without_django_settings():
    """Import and run the engine in a fresh interpreter where Django is not configured: labels stay Chinese."""
    code = """
import json, sys
from datetime import date
from matching.engine.match import run_matching
from matching.engine.explain import explain
from matching.engine.types import DemandRow, MatchParams, StudentRow
s = StudentRow(1, 9, 1, "6603", 66, "secondary", date(2026, 7, 1), True, skills=("焊工",))
d = DemandRow(1, 5, "employment", 1, date(2026, 7, 1), frozenset({1}), skills=(("焊接", 3),))
result = run_matching([s], [d], MatchParams())
print(json.dumps([len(result.assignments), explain(result.recommendations[0].components),
                  "django.conf" in sys.modules and sys.modules["django.conf"].settings.configured]))
"""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    placed, explanation, configured = json.loads(done.stdout.strip().splitlines()[-1])
    assert placed == 1 and configured is False
    assert explanation.startswith("专业对口 +0.40 · 技能 1/1 +0.30")
