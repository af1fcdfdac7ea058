"""The English catalogue (locale/en/LC_MESSAGES/django.po): real English, intact placeholders, and used by the pages.

The rendering tests compile the catalogue into a temporary LOCALE_PATHS with polib, so they need neither GNU gettext
nor a prior ``compilemessages_py`` run (the .mo files are build products).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories.tenancy import MemberUnitFactory, UserFactory

CATALOGUE = Path(django_settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# CJK ideographs, CJK symbols and punctuation (、。「」…), full-width forms (，：（）！？) and kana/hangul blocks.
CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
# %(name)s / %(n)d / %% and {name} placeholders.
PERCENT_PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%%")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def _entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(CATALOGUE)) if not entry.obsolete]


def _label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs: plural forms are checked against the plural msgid."""
    if entry.msgid_plural:
        forms = sorted(entry.msgstr_plural.items())
        return [(entry.msgid if index == 0 else entry.msgid_plural, text) for index, text in forms]
    return [(entry.msgid, entry.msgstr)]


def _placeholders(entry: polib.POEntry, text: str) -> list[str]:
    found = []
    if "python-format" in entry.flags:
        found += PERCENT_PLACEHOLDER.findall(text)
    if "python-brace-format" in entry.flags:
        found += BRACE_PLACEHOLDER.findall(text)
    return sorted(found)


def test_catalogue_exists_and_is_not_trivial():
    entries = _entries()
    assert len(entries) > 100
    assert any(entry.msgid_plural for entry in entries)


def test_no_english_translation_contains_cjk_characters():
    offenders = [
        f"{_label(entry)!r} -> {text!r}"
        for entry in _entries()
        for _source, text in _translations(entry)
        if CJK.search(text)
    ]
    assert not offenders, "Chinese left in English msgstr:\n" + "\n".join(offenders)


def test_every_placeholder_of_the_msgid_is_kept_in_the_translation():
    offenders = []
    for entry in _entries():
        for source, text in _translations(entry):
            if not text or "fuzzy" in entry.flags:
                continue  # untranslated and fuzzy (unused) entries are compilemessages_py --check's business
            expected, got = _placeholders(entry, source), _placeholders(entry, text)
            # Plural singular forms may drop the count ("one unit"), but never invent or rename a placeholder.
            if entry.msgid_plural and source == entry.msgid:
                missing = set(expected) - set(got) - {"%(counter)s"}
                extra = set(got) - set(expected)
            else:
                missing, extra = set(expected) - set(got), set(got) - set(expected)
            if missing or extra:
                offenders.append(f"{_label(entry)!r}: missing {sorted(missing)}, unknown {sorted(extra)}")
    assert not offenders, "\n".join(offenders)


def test_placeholder_pattern_sees_the_usual_forms():
    entry = polib.POEntry(msgid="x", flags=["python-format"])
    assert _placeholders(entry, "%(n)d of %(total)s, 50%% done") == ["%%", "%(n)d", "%(total)s"]
    assert CJK.search("（选填）") and CJK.search("成员单位") and not CJK.search("Member units – “draft” · m²")


# --- rendering ------------------------------------------------------------------------------------------------------


class _NavText(HTMLParser):
    """Text and attribute values of the first ``<nav class="navbar ...">``, skipping subtrees marked ``lang="zh*"``.

    The language switcher names each language in that language (``<button lang="zh-hans">简体中文</button>``): that
    Chinese is deliberate and is the only Chinese allowed in an English navigation bar.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.found = False
        self._stack: list[tuple[str, bool]] = []  # (tag, skipped) of open elements inside the navbar
        self._done = False

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self._stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self._done:
            return
        if not self._stack:
            if tag == "nav" and "navbar" in (attributes.get("class") or "").split():
                self.found = True
                self._stack.append((tag, False))
                self.parts += [v for v in attributes.values() if v]
            return
        skipped = (attributes.get("lang") or "").lower().startswith("zh")
        if tag not in {"br", "hr", "img", "input", "meta", "link", "source", "wbr"}:
            self._stack.append((tag, skipped))
        if not skipped and not self._skipping():
            self.parts += [v for key, v in attributes.items() if v and key not in {"href", "action", "value"}]

    def handle_endtag(self, tag):
        if self._done or not self._stack:
            return
        while self._stack:
            open_tag, _skipped = self._stack.pop()
            if open_tag == tag:
                break
        if not self._stack:
            self._done = True

    def handle_data(self, data):
        if self._stack and not self._done and not self._skipping():
            self.parts.append(data)


def _nav_text(html: str) -> str:
    parser = _NavText()
    parser.feed(html)
    assert parser.found, "no <nav class='navbar'> in the page"
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def compiled_catalogue(settings, tmp_path):
    """The project's English catalogue compiled to .mo in a temporary LOCALE_PATHS (resets Django's cache)."""
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    polib.pofile(str(CATALOGUE)).save_as_mofile(str(target / "django.mo"))
    settings.AXES_ENABLED = False
    settings.LOCALE_PATHS = [tmp_path]
    return tmp_path


@pytest.fixture
def secretariat_client(client, db):
    user = UserFactory(secretariat=True, full_name="Alice Example", is_staff=True)
    MemberUnitFactory(consortium=user.consortium)
    client.force_login(user)
    return client


@pytest.mark.parametrize("url_name", ["home", "unit-list"])
def test_english_cookie_gives_an_english_navigation_bar(compiled_catalogue, secretariat_client, url_name):
    secretariat_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = secretariat_client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    nav = _nav_text(html)
    assert not CJK.findall(nav), f"Chinese in the English navigation bar: {CJK.findall(nav)} in {nav!r}"
    for label in ("Consortium Portal", "Home", "Member units", "Sign out", "English"):
        assert label in nav
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert not CJK.search(title), title


@pytest.mark.parametrize("url_name", ["home", "unit-list"])
def test_default_language_gives_a_chinese_navigation_bar(compiled_catalogue, secretariat_client, url_name):
    response = secretariat_client.get(reverse(url_name))

    assert response.status_code == 200
    nav = _nav_text(response.content.decode())
    for label in ("产教联合体门户", "首页", "联合体", "成员单位", "退出"):
        assert label in nav
    assert "Member units" not in nav and "Sign out" not in nav


# --- schools and imports pages (round 2) ------------------------------------------------------------------------------

# url name -> the English <h1> (list pages are headed in the plural: Chinese nouns carry a "plural" context).
SCHOOLS_PAGES = {
    "schools:school-list": "Vocational schools",
    "schools:programme-list": "Programmes",
    "schools:teacher-list": "Teachers",
    "schools:student-list": "Students and graduates",
    "schools:pool": "Part-time teacher pool",
    "schools:alignment": "Programme–industry alignment",
    "schools:certification-expiring": "Expiring dual-qualified certifications",
    "schools:engagement-list": "Part-time teacher engagement requests",
    "schools:professor-list": "Industry professors",
    "schools:studio-list": "Master's and famous-teacher studios",
    "schools:trainingbase-list": "Teacher training bases",
    "schools:practice-totals": "Enterprise practice totals",
    "imports:job-list": "Import & export centre",
    "imports:upload": "Upload an import file",
}


@pytest.fixture
def school_data(secretariat_client):
    """One school with a profile, a programme offering, a full-time and a part-time teacher, a student and a pool
    expert, in the secretariat's consortium, so the list pages render rows (whose Chinese data values are allowed)."""
    from tests.factories.schools import (
        PoolExpertFactory,
        ProgrammeOfferingFactory,
        SchoolProfileFactory,
        StudentFactory,
        TeacherFactory,
    )

    consortium = get_user_model().objects.get(pk=secretariat_client.session["_auth_user_id"]).consortium
    profile = SchoolProfileFactory(unit__consortium=consortium)
    offering = ProgrammeOfferingFactory(programme__unit=profile.unit)
    TeacherFactory(unit=profile.unit)
    TeacherFactory(unit=profile.unit, part_time=True)
    StudentFactory(offering=offering)
    PoolExpertFactory(unit=profile.unit)
    return profile


def _h1_texts(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", h1).split()) for h1 in re.findall(r"<h1\b[^>]*>(.*?)</h1>", html, re.S)]


@pytest.mark.parametrize("url_name", list(SCHOOLS_PAGES))
def test_schools_pages_have_english_chrome(compiled_catalogue, secretariat_client, school_data, url_name):
    secretariat_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = secretariat_client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    nav = _nav_text(html)
    assert not CJK.findall(nav), f"Chinese in the English navigation bar: {CJK.findall(nav)} in {nav!r}"
    for label in ("Schools", "Programmes", "Part-time teacher pool", "Excel import & export"):
        assert label in nav
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert not CJK.search(title), title
    headings = _h1_texts(html)
    assert headings == [SCHOOLS_PAGES[url_name]], headings


@pytest.mark.parametrize("url_name", ["schools:school-list", "schools:teacher-list", "imports:job-list"])
def test_schools_pages_stay_chinese_by_default(compiled_catalogue, secretariat_client, school_data, url_name):
    response = secretariat_client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    nav = _nav_text(html)
    assert "职业教育" in nav and "兼职教师库" in nav
    assert "Part-time teacher pool" not in nav
    assert all(CJK.search(heading) for heading in _h1_texts(html))


# --- enterprises and funding pages (round 3) --------------------------------------------------------------------------

ENTERPRISE_PAGES = {
    "enterprises:enterprise-list": "Enterprises",
    "enterprises:demand-list": "Talent demands",
    "enterprises:review-queue": "Review queue",
    "enterprises:trainingneed-list": "Staff-training needs",
    "enterprises:techproblem-list": "Technology problems",
    "enterprises:orderclass-list": "Order, customised and commissioned-training classes",
    "enterprises:college-list": "Modern industry colleges",
    "enterprises:platform-list": "R&D platforms",
    "enterprises:project-list": "R&D projects",
    "enterprises:techservice-list": "Technical services",
    "enterprises:achievement-list": "Achievements and transfers",
    "funding:funding-overview": "Funding",
    "funding:policy-list": "Policy library",
}


@pytest.fixture
def enterprise_data(secretariat_client):
    """One row for each enterprises/funding list (Chinese data values are allowed), in the secretariat's consortium."""
    from tests.factories.enterprises_demands import (
        EnterpriseProfileFactory,
        EnterpriseUnitFactory,
        StaffTrainingNeedFactory,
        TalentDemandFactory,
        TechnologyProblemFactory,
    )
    from tests.factories.enterprises_order_classes import build_order_class
    from tests.factories.enterprises_rnd import (
        build_achievement,
        build_funding_record,
        build_platform,
        build_policy,
        build_project,
        build_technical_service,
    )
    from tests.factories.schools import SchoolProfileFactory

    consortium = get_user_model().objects.get(pk=secretariat_client.session["_auth_user_id"]).consortium
    enterprise = EnterpriseUnitFactory(consortium=consortium)
    EnterpriseProfileFactory(unit=enterprise)
    TalentDemandFactory(unit=enterprise)
    StaffTrainingNeedFactory(unit=enterprise)
    TechnologyProblemFactory(unit=enterprise)
    school = SchoolProfileFactory(unit__consortium=consortium).unit
    build_order_class(consortium, school)
    for builder in (build_platform, build_project, build_technical_service, build_achievement, build_funding_record,
                    build_policy):
        builder(consortium, enterprise)
    return enterprise


@pytest.mark.parametrize("url_name", list(ENTERPRISE_PAGES))
def test_enterprise_and_funding_pages_have_english_chrome(compiled_catalogue, secretariat_client, enterprise_data,
                                                          url_name):
    secretariat_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = secretariat_client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    nav = _nav_text(html)
    assert not CJK.findall(nav), f"Chinese in the English navigation bar: {CJK.findall(nav)} in {nav!r}"
    for label in ("Enterprises", "Review queue", "Policy library"):
        assert label in nav
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert not CJK.search(title), title
    headings = _h1_texts(html)
    assert headings == [ENTERPRISE_PAGES[url_name]], headings
