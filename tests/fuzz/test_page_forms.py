"""Every form on every page, each of its fields given hostile values, answers without a 5xx.

schemathesis walks the OpenAPI document, but the pages are not in it, and many of them read
their filters and form fields as text and parse them by hand (``?grid=`` on analytics,
``recipient=user:12`` on the notification log). Those went unchecked: an id past any integer
column, or "²" (which ``str.isdigit`` accepts and ``int`` refuses), reached the driver or
``int()``, a 500. Here the forms come from the pages themselves: each role reads the pages it
reaches from home, and every form found (filters and commands alike) is sent once per field and
hostile value, the other fields as the page filled them, and each upload gets hostile files. A refusal (4xx, or a redirect with the
reason) is fine; a 5xx is not."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.security.matrix import NOT_PAGES, Matrix, served_world, walk
from tests.security.routes import Route

# One worker builds the crawled world and sends every form: on each worker, the crawl alone
# took ~40 s.
pytestmark = pytest.mark.xdist_group("page_forms")
LOGINS = ["admin", "supervisor", "rep", "agent", "expert", "department", "contractor"]
NOT_FORMS = (*NOT_PAGES, "/settings/locale")
# Values that broke hand-written parsing somewhere: past every integer column, digits that
# str.isdigit accepts and int refuses or reads, dates that are not, and text far past a column.
# Files for the pages' uploads (their importers are fuzzed through the API in test_importers):
# empty, binary, GBK, a ZIP that is no spreadsheet, JSON that is no GeoJSON, markup, a NUL name.
HOSTILE_FILES = [
    ("empty.csv", b""),
    ("noise.bin", bytes(range(256)) * 64),
    ("gbk.csv", "网格,月份\n芙蓉,2026-11\n".encode("gbk")),
    ("fake.xlsx", b"PK\x03\x04" + b"\x00" * 200),
    ("shapes.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, "properties": {}}]}'),
    ("x.svg", b"<svg onload=alert(1)></svg>"),
    ("a\x00b.csv", b"grid,month\n"),
]
HOSTILE = ["", "bogus", "-1", "0", str(2**66), "²", "١٢", "1e400", "2026-13-45T99:99", "x" * 5000]
SECTIONS = ["orders", "knowledge", "calls", "customers", "grids", "network", "outages", "field", "contractors", "campaigns", "notifications", "arrears", "analytics", "alerts", "planning", "admin", "other"]


@dataclass(frozen=True)
class Form:
    login: str
    page: str
    method: str
    action: str
    fields: tuple[tuple[str, str], ...]  # (name, value as the page filled it), in order
    files: tuple[str, ...] = ()  # the names of its file inputs

    @property
    def shape(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.method, re.sub(r"\d+", "N", self.action), tuple(sorted({n for n, _v in self.fields})))

    @property
    def section(self) -> str:
        head = self.action.strip("/").split("/")[0]
        return head if head in SECTIONS else "other"


def _fields(form) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or element.get("type") in ("submit", "button", "file", "image", "reset"):
            continue
        if element.name == "select":
            chosen = element.find("option", selected=True) or element.find("option")
            found.append((name, chosen.get("value", chosen.text) if chosen else ""))
        elif element.name == "textarea":
            found.append((name, element.text))
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                found.append((name, element.get("value", "on")))
        else:
            found.append((name, element.get("value", "")))
    # A button that names a command (name="action" value="close") is part of what is sent.
    button = form.find("button", attrs={"name": True})
    if button is not None:
        found.append((button["name"], button.get("value", "")))
    return found


def _crawl(matrix: Matrix, login: str) -> list[Form]:
    """The forms on the pages ``login`` reaches from home (two pages of each shape)."""
    forms: list[Form] = []
    for visit in walk(matrix, login):
        if not visit.read:
            continue
        page = visit.path
        for form in BeautifulSoup(visit.response.text, "html.parser").find_all("form"):
            action = html.unescape(form.get("action") or page).partition("?")[0]
            if action.startswith(NOT_FORMS) or not action.startswith("/"):
                continue
            files = tuple(f["name"] for f in form.find_all("input", attrs={"type": "file", "name": True}))
            forms.append(Form(login, page, (form.get("method") or "get").upper(), action, tuple(_fields(form)), files))
    return forms


def _variants(value: str) -> list[str]:
    """The hostile values, and the page's own value with its numbers made hostile
    ("user:12" -> "user:73786976294838206464", "user:²")."""
    out = list(HOSTILE)
    if re.search(r"\d", value):
        out += [re.sub(r"\d+", str(2**66), value), re.sub(r"\d+", "²", value), re.sub(r"\d+", "-1", value)]
    return out


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[Matrix, list[Form]]]:
    # A 500 is an answer to count here, with the others, not an exception that stops the test.
    with served_world(tmp_path_factory.mktemp("forms"), sqlite_template, raise_server_exceptions=False) as matrix:
        unique: dict[tuple, Form] = {}
        for login in LOGINS:
            for form in _crawl(matrix, login):
                unique.setdefault(form.shape, form)
        yield matrix, list(unique.values())


@pytest.mark.parametrize("section", SECTIONS)
def test_no_page_form_answers_a_hostile_value_with_a_server_error(served: tuple[Matrix, list[Form]], section: str) -> None:
    matrix, forms = served
    mine = [f for f in forms if f.section == section]
    failures: list[str] = []
    for form in mine:
        headers = {"Authorization": f"Bearer {matrix.world.tokens[form.login]}"}
        names = list(dict.fromkeys(n for n, _v in form.fields))
        for name in names:
            own = next(v for n, v in form.fields if n == name)
            for bad in _variants(own):
                data = [(n, bad if n == name else v) for n, v in form.fields]
                if form.method == "GET":
                    status = matrix.client.get(form.action, params=data, headers=headers).status_code
                else:
                    status = matrix.client.post(form.action, data=_multi(data), headers=headers).status_code
                if status >= 500:
                    failures.append(f"{form.method} {form.action} {name}={bad[:30]!r} (form on {form.page} for {form.login}): {status}")
        for name in form.files:
            for filename, content in HOSTILE_FILES:
                status = matrix.client.post(form.action, data=_multi(list(form.fields)), files={name: (filename, content)}, headers=headers).status_code
                if status >= 500:
                    failures.append(f"POST {form.action} {name}={filename!r} (form on {form.page} for {form.login}): {status}")
        if form.method == "POST":
            matrix.restore()
    assert mine or section == "other", f"no forms found for {section}"
    assert section not in ("orders", "planning", "analytics") or any(f.files for f in mine), f"{section}'s upload forms were not found"
    assert not failures, f"{len(failures)} server errors:\n  " + "\n  ".join(failures)


def _query_params(route: Route) -> list[str]:
    names, pending = [], [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        names += [p.alias for p in dependant.query_params]
    return list(dict.fromkeys(names))


def test_no_api_filter_answers_a_hostile_value_with_a_server_error(served: tuple[Matrix, list[Form]]) -> None:
    """The same for the API's reads: filters typed as text and parsed by hand (``?grid=`` of
    the analytics API, ``?ids=1,2`` of a comparison) get what schemathesis rarely makes."""
    matrix, _forms = served
    headers = {"Authorization": f"Bearer {matrix.world.tokens['admin']}"}
    failures: list[str] = []
    routes = [r for r in matrix.routes.values() if r.method == "GET" and r.path.startswith("/api/") and not r.params]
    for route in routes:
        for name in _query_params(route):
            for bad in [*HOSTILE, f"user:{2**66}", f"{2**66},1", "1,²"]:
                status = matrix.client.get(route.path, params={name: bad}, headers=headers).status_code
                if status >= 500:
                    failures.append(f"GET {route.path} {name}={bad[:30]!r}: {status}")
    assert len(routes) > 50
    assert not failures, f"{len(failures)} server errors:\n  " + "\n  ".join(failures)
