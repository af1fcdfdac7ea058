"""Click-through crawl of the portal as every demo account, on the real demo data (``load_demo``).

For each role the crawler logs in with the demo password, starts at "/" and follows every internal ``<a href>`` of
every HTML page breadth-first (capped per role). A link the portal shows to a user must work for that user, so:

* no response is 5xx;
* no shown link answers 4xx (404 = dead link; 403/405 = a button shown to a role that may not use it);
* no shown link bounces a logged-in user to the login page;
* every HTML page has a non-empty ``<title>`` and an ``<h1>`` (Django admin and the API docs are exempt from ``<h1>``);
* no page runs more than ``MAX_QUERIES`` SQL queries.

All problems of all roles are collected and asserted once, so one run shows everything.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from consortium.tenancy.demo.data import DEMO_PASSWORD

ROLES = [
    "platform", "secretariat", "official", "school_admin", "school_staff", "enterprise_admin", "other_secretariat",
]
MAX_PAGES = 1000  # per role
PER_PATTERN = 8  # pages visited per URL shape (ids and query values blanked): a sample of every kind of page
MAX_QUERIES = 50
HOSTS = {"", "testserver"}
NO_H1 = ("/admin/", "/api/")  # third-party pages (Django admin, Swagger UI): their layout is not ours


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data set, loaded once per module inside a transaction rolled back at module end."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 — discard the summary
            yield
            transaction.set_rollback(True)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.title = ""
        self.has_h1 = False
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        elif tag == "title":
            self._in_title = True
        elif tag == "h1":
            self.has_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _normalise(href: str, base: str) -> str | None:
    """The crawlable path?query of ``href`` found on ``base``, or None when the crawler must not follow it."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https", "") or parts.netloc not in HOSTS:
        return None
    path = parts.path or "/"
    if path.startswith(("/static/", "/media/", "/i18n/")) or "logout" in path:
        return None
    if path.startswith("/admin/") and path != "/admin/":
        return None
    if path.startswith("/api/") and path not in ("/api/docs/", "/api/redoc/"):
        return None
    for key, value in parse_qsl(parts.query):
        if key == "page" and (not value.isdigit() or int(value) > 2):
            return None
    return f"{path}?{parts.query}" if parts.query else path


def _pattern(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({key for key, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


@dataclass
class CrawlResult:
    role: str
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    queries: list[tuple[int, str]] = field(default_factory=list)


def _is_file(response) -> bool:
    content_type = response.get("Content-Type", "")
    return "attachment" in response.get("Content-Disposition", "") or not content_type.startswith("text/html")


def crawl(role: str) -> CrawlResult:
    result = CrawlResult(role)
    client = Client()
    assert client.login(username=role, password=DEMO_PASSWORD), f"{role}: demo login failed"
    seen: dict[str, str] = {"/": "(start)"}  # url -> first page that linked to it
    queue: deque[str] = deque(["/"])
    per_pattern: dict[str, int] = {_pattern("/"): 1}

    def enqueue(target: str | None, referrer: str) -> None:
        if not target or target in seen:
            return
        pattern = _pattern(target)
        if per_pattern.get(pattern, 0) >= PER_PATTERN:
            return
        per_pattern[pattern] = per_pattern.get(pattern, 0) + 1
        seen[target] = referrer
        queue.append(target)

    while queue and result.pages < MAX_PAGES:
        url = queue.popleft()
        referrer = seen[url]
        connection.queries_log.clear()  # the log is a bounded deque: a full one would count 0 queries
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        result.pages += 1
        result.queries.append((len(ctx.captured_queries), url))
        where = f"{url}  (linked from {referrer})"
        status = response.status_code
        if status >= 500:
            result.problems.append(f"{status} server error: {where}")
            continue
        if status >= 400:
            result.problems.append(f"{status}: {where}")
            continue
        if len(ctx.captured_queries) > MAX_QUERIES:
            result.problems.append(f"{len(ctx.captured_queries)} SQL queries: {url}")
        if status in (301, 302, 303, 307, 308):
            target = _normalise(response["Location"], url)
            if target and urlsplit(target).path == "/accounts/login/":
                result.problems.append(f"{status} redirect to login: {where}")
            else:
                enqueue(target, url)
            continue
        if _is_file(response):
            continue
        parser = _PageParser()
        parser.feed(response.content.decode(response.charset or "utf-8"))
        if not parser.title.strip():
            result.problems.append(f"no <title>: {url}")
        if not parser.has_h1 and not url.startswith(NO_H1):
            result.problems.append(f"no <h1>: {url}")
        for href in parser.links:
            enqueue(_normalise(href, url), url)
    if queue:
        result.problems.append(f"crawl cap of {MAX_PAGES} pages reached, {len(queue)} links not visited")
    return result


@pytest.mark.django_db
def test_every_role_can_click_every_link(demo):
    results = [crawl(role) for role in ROLES]
    lines = []
    for r in results:
        worst = ", ".join(f"{n} {url}" for n, url in sorted(r.queries, reverse=True)[:3])
        lines.append(f"{r.role}: {r.pages} pages, {len(r.problems)} problems; most queries: {worst}")
    print("\n".join(lines))
    report = [f"[{r.role}] {problem}" for r in results for problem in r.problems]
    assert not report, "problems found while crawling:\n" + "\n".join(lines + [""] + report)
    assert all(r.pages > 5 for r in results), lines  # the crawl really clicked through the portal
