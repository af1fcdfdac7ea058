"""Compile locale/*/LC_MESSAGES/django.po to .mo with polib (no GNU gettext needed).

``--check`` also fails when the English catalogue has untranslated or fuzzy entries, so CI catches a UI string that
was wrapped for translation but never translated. The .mo files are build products (gitignored).
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

CHECKED_LANGUAGE = "en"
MAX_LISTED = 20


def _catalogues() -> list[Path]:
    found: list[Path] = []
    for base in settings.LOCALE_PATHS:
        found.extend(sorted(Path(base).glob("*/LC_MESSAGES/django.po")))
    return found


def _offenders(catalogue: polib.POFile) -> list[str]:
    """msgids of entries that are untranslated or fuzzy (obsolete entries are ignored)."""
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"[fuzzy] {entry.msgid}")
        elif not entry.translated():
            problems.append(f"[untranslated] {entry.msgid}")
    return problems


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/django.po to .mo with polib; --check fails on incomplete English."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Fail if the English catalogue is missing or has untranslated or fuzzy entries.",
        )

    def handle(self, *args, check: bool = False, **options):
        catalogues = _catalogues()
        if not catalogues:
            message = "No catalogues found: expected locale/<lang>/LC_MESSAGES/django.po under " + ", ".join(
                str(p) for p in settings.LOCALE_PATHS
            )
            if check:
                raise CommandError(message)
            self.stderr.write(self.style.WARNING(message))
            return

        english: polib.POFile | None = None
        for po_path in catalogues:
            try:
                catalogue = polib.pofile(str(po_path), wrapwidth=0)
            except (OSError, ValueError) as exc:
                raise CommandError(f"{po_path}: cannot parse: {exc}") from exc
            mo_path = po_path.with_suffix(".mo")
            catalogue.save_as_mofile(str(mo_path))
            language = po_path.parent.parent.name
            if language == CHECKED_LANGUAGE:
                english = catalogue
            self.stdout.write(
                f"{po_path.relative_to(settings.BASE_DIR) if po_path.is_relative_to(settings.BASE_DIR) else po_path}"
                f" -> .mo ({len(catalogue.translated_entries())} translated, {catalogue.percent_translated()}%)"
            )

        if not check:
            return
        if english is None:
            raise CommandError(f"--check: no English catalogue (locale/{CHECKED_LANGUAGE}/LC_MESSAGES/django.po).")
        problems = _offenders(english)
        if problems:
            listed = "\n  ".join(problems[:MAX_LISTED])
            more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
            raise CommandError(
                f"English catalogue incomplete: {len(problems)} untranslated or fuzzy entries "
                f"(run `make messages`, translate, remove fuzzy flags):\n  {listed}{more}"
            )
        self.stdout.write(self.style.SUCCESS("English catalogue complete."))
