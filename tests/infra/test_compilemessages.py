"""compilemessages_py: .po -> .mo with polib, and --check on the English catalogue."""

from __future__ import annotations

import gettext
from io import StringIO

import polib
import pytest
from django.core.management import CommandError, call_command


def _write_po(root, language: str, entries: list[tuple[str, str, bool]]):
    path = root / language / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    po = polib.POFile()
    po.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Language": language}
    for msgid, msgstr, fuzzy in entries:
        po.append(polib.POEntry(msgid=msgid, msgstr=msgstr, flags=["fuzzy"] if fuzzy else []))
    po.save(str(path))
    return path


def _run(*args: str) -> str:
    out = StringIO()
    call_command("compilemessages_py", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_compiles_every_catalogue_to_a_loadable_mo(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    en = _write_po(tmp_path, "en", [("成员单位", "Member units", False), ("邀请", "Invitation", False)])
    fr = _write_po(tmp_path, "fr", [("成员单位", "", False)])

    output = _run("--check")

    assert "English catalogue complete" in output
    with en.with_suffix(".mo").open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.gettext("成员单位") == "Member units"
    assert translations.gettext("邀请") == "Invitation"
    assert fr.with_suffix(".mo").exists()  # other languages are compiled, but not checked


@pytest.mark.parametrize(
    ("entry", "label"),
    [(("单位名称", "", False), "[untranslated] 单位名称"), (("单位名称", "Unit name", True), "[fuzzy] 单位名称")],
)
def test_check_fails_and_lists_incomplete_english_entries(tmp_path, settings, entry, label):
    settings.LOCALE_PATHS = [tmp_path]
    _write_po(tmp_path, "en", [("成员单位", "Member units", False), entry])

    with pytest.raises(CommandError) as excinfo:
        _run("--check")

    assert "1 untranslated or fuzzy" in str(excinfo.value)
    assert label in str(excinfo.value)
    assert "成员单位" not in str(excinfo.value)


def test_fuzzy_entries_are_left_out_of_the_mo(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    en = _write_po(tmp_path, "en", [("单位名称", "Guess", True)])
    _run()  # without --check it compiles and succeeds
    with en.with_suffix(".mo").open("rb") as handle:
        assert gettext.GNUTranslations(handle).gettext("单位名称") == "单位名称"


def test_no_catalogue_warns_without_check_and_fails_with_check(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    assert "No catalogues found" in _run()
    with pytest.raises(CommandError, match="No catalogues found"):
        _run("--check")


def test_check_fails_without_an_english_catalogue(tmp_path, settings):
    settings.LOCALE_PATHS = [tmp_path]
    _write_po(tmp_path, "fr", [("成员单位", "Unités membres", False)])
    with pytest.raises(CommandError, match="no English catalogue"):
        _run("--check")
