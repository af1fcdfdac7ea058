"""A score breakdown in words: "专业对口 +0.40 · 技能 3/4 +0.27 · 本地意愿 +0.10".

Labels are Chinese msgids, translated with Django's gettext when Django is set up (settings configured and apps
loaded); otherwise — e.g. the engine used on its own — the Chinese labels are used as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from .types import Component


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages without importing Django."""
    return message


COMPONENT_LABELS: dict[str, str] = {
    "programme": gettext_noop("专业对口"),
    "skills": gettext_noop("技能"),
    "level": gettext_noop("学历"),
    "place": gettext_noop("地点"),
    "local": gettext_noop("本地意愿"),
    "timing": gettext_noop("到岗时间"),
    "order_class": gettext_noop("订单班"),
    "terms": gettext_noop("关键词"),
    "industry": gettext_noop("产业"),
}
SEPARATOR = " · "


def translate(message: str) -> str:
    """Django's gettext(message) when Django is ready, else ``message`` unchanged."""
    try:
        from django.apps import apps
        from django.conf import settings

        if not settings.configured or not apps.ready:
            return message
        from django.utils.translation import gettext

        return gettext(message)
    except Exception:  # no Django, or translations unavailable: the Chinese msgid is the label
        return message


def label(name: str) -> str:
    return translate(COMPONENT_LABELS.get(name, name))


def explain(components: Iterable[Component]) -> str:
    """Non-zero components (at two decimals) in the given order, e.g. "专业对口 +0.40 · 技能 3/4 +0.27"."""
    parts = []
    for component in components:
        if round(component.value, 2) == 0:
            continue
        detail = f" {component.detail}" if component.detail else ""
        parts.append(f"{label(component.name)}{detail} {component.value:+.2f}")
    return SEPARATOR.join(parts)
