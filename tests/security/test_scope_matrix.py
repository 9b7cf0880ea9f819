"""Every role × every route × rows of their own grid, another grid and the other company.

Reads must never answer a row outside the caller's scope, nor show another scope's markers
(see world.py); writes by a role without the right, or on a row outside the caller's scope,
must be refused and leave the database as it was. The routes come from the app itself: a
route missing from expectations.EXPECT (expect_*.py) fails ``test_it_has_an_expectation_for_every_route``."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.security.expectations import EXPECT, Spec
from tests.security.matrix import Matrix, served_world, walk
from tests.security.routes import Route, build_call, send
from tests.security.world import LOGINS, PERSONAL, Sample, World, grid_marker

# agent2 is agent's twin (same role, same unit): one of them is enough per route.
MATRIX_LOGINS: list[str | None] = [None, *(login for login in LOGINS if login != "agent2")]
# Who makes the positive control of a write: the narrowest role that may.
CONTROL_ORDER = [
    "rep",
    "agent",
    "expert",
    "department",
    "contractor",
    "supervisor",
    "w_supervisor",
    "admin",
]
API_PREFIXES = ("/api/", "/open311/")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Matrix]:
    with served_world(tmp_path_factory.mktemp("matrix"), sqlite_template) as served:
        yield served


def test_it_has_an_expectation_for_every_route(matrix: Matrix) -> None:
    missing = sorted(set(matrix.routes) - set(EXPECT))
    stale = sorted(set(EXPECT) - set(matrix.routes))
    assert not missing, (
        f"routes with no entry in tests/security/expect_*.py (say who may call them): {missing}"
    )
    assert not stale, f"entries for routes that no longer exist: {stale}"


def _samples(world: World, spec: Spec) -> list[Sample | None]:
    if spec.kind is None:
        return [None]
    found = world.samples.get(spec.kind, [])
    assert found, f"the world has no rows of kind {spec.kind!r}"
    return list(found)


def _value(value: Any, params: dict[str, Any], world: World) -> Any:
    return value(params, world) if callable(value) else value


def _call(
    route: Route,
    spec: Spec,
    sample: Sample | None,
    login: str | None,
    world: World,
    body: Any = None,
) -> Any:
    params = {**spec.params, **(sample.params if sample else {}), "login": login}
    if body is None:
        body = _value(spec.body, params, world)
    query = _value(spec.query, params, world)
    call = build_call(route, None, body=_plain(body), query=query, values=params)
    if isinstance(body, dict) and body.get("__files__"):
        call.files = body["__files__"]
    return call


def _plain(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: v for k, v in body.items() if k != "__files__"}
    return body


def _forbidden(world: World, spec: Spec, login: str | None) -> set[str]:
    if spec.public:
        return {PERSONAL}
    found = world.forbidden_markers(login)
    if "grids" in spec.relax and login is not None and (company := world.company_of(login)):
        path = world.company_paths[company]
        found -= {
            grid_marker(g) for g, scope in world.grids.items() if scope.org_path.startswith(path)
        }
    return found


def _leaks(text: str, markers: set[str]) -> list[str]:
    return sorted(m for m in markers if m in text)


def _is_api(route: Route) -> bool:
    return route.path.startswith(API_PREFIXES)


def _refused(route: Route, response: Any, *, in_body: bool = False) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if in_body and response.status_code == 422:
        return True  # a row named in the body is a field: "grid_ids: no grid 5 in your scope"
    # A page answers a refused form with a redirect that carries the reason, or to the login.
    location = response.headers.get("location", "")
    return (
        not _is_api(route)
        and response.status_code == 303
        and ("error=" in location or location.startswith("/login"))
    )


READS = sorted(k for k, s in EXPECT.items() if not s.write)
WRITES = sorted(k for k, s in EXPECT.items() if s.write)


@pytest.mark.parametrize("key", READS)
def test_reads_show_nothing_outside_the_callers_scope(matrix: Matrix, key: str) -> None:
    route, spec, world = _route(matrix, key), EXPECT[key], matrix.world
    problems: list[str] = []
    for login in MATRIX_LOGINS:
        if spec.stream and login is not None:
            continue  # an endless stream; who may open it is what matters
        token = world.tokens[login] if login else None
        for sample in _samples(world, spec):
            before = matrix.version()
            response = send(matrix.client, _call(route, spec, sample, login, world), token)
            who = f"{login or 'anonymous'} on {sample.label if sample else '-'}: {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{who} server error")
            if matrix.version() != before and not spec.lazy_writes:
                problems.append(f"{who} a read wrote to the database")
            if (
                login is None
                and not spec.public
                and not (
                    response.status_code in (401, 403)
                    or response.headers.get("location", "").startswith("/login")
                )
            ):
                problems.append(f"{who} answered without a sign-in")
            outside = (
                sample is not None
                and login is not None
                and not world.sees(login, sample.scope, utility_wide=sample.utility_wide)
            )
            if (
                outside
                and not spec.public
                and not spec.filtered
                and response.status_code not in (403, 404)
            ):
                problems.append(f"{who} answered a row outside the caller's scope")
            if leaks := _leaks(response.text, _forbidden(world, spec, login)):
                problems.append(f"{who} shows {leaks}")
    assert not problems, f"{key}:\n  " + "\n  ".join(problems)


POSTS = re.compile(r'<form\b[^>]*\bmethod="post"[^>]*\baction="(/[^"#?]*)|<form\b[^>]*\baction="(/[^"#?]*)"[^>]*\bmethod="post"|hx-post="(/[^"#?]*)"', re.IGNORECASE)
# Forms whose commands belong to different people (the handler accepts, a supervisor
# escalates; a contractor ticks items, a rep rates; a pop-up's own recipient acknowledges):
# the matrix tries one command, the pages offer each reader theirs (tests of those pages).
SHARED_FORMS = {"POST /orders/{order_id}/do", "POST /contractors/{project_id}/do", "POST /notifications/{notification_id}/ack"}


def _write_key(matrix: Matrix, action: str) -> str | None:
    """The route a form posts to, as EXPECT names it."""
    for key, route in matrix.routes.items():
        if route.method == "POST" and re.fullmatch(re.sub(r"{\w+}", "[^/]+", route.path), action):
            return key
    return None


@dataclass
class Crawl:
    linked_from: dict[str, str]  # page -> the page that linked to it
    refused: list[str]  # links that refused their reader
    forms: dict[str, str]  # route posted to -> a page showing the form
    offered: dict[str, set[str]]  # page read -> the routes its forms post to


def _crawl(matrix: Matrix, login: str) -> Crawl:
    """Every page ``login`` reaches from the home page by links (two pages of each shape read).
    Three tests read each login's walk; it is walked once per module (the crawl tests share a
    worker, see CRAWLS)."""
    if login not in matrix.crawls:
        matrix.crawls[login] = _walked(matrix, login)
    return matrix.crawls[login]


# The tests that read every login's walk run on one worker, which walks each login once.
CRAWLS = pytest.mark.xdist_group("scope_matrix_crawls")


def _walked(matrix: Matrix, login: str) -> Crawl:
    seen = Crawl({}, [], {}, {})
    for visit in walk(matrix, login):
        path, status = visit.path, visit.response.status_code
        seen.linked_from[path] = visit.linked_from
        if status in (401, 403, 404) or status >= 500:
            seen.refused.append(f"{path} ({status}) linked from {visit.linked_from}")
        if not visit.read:
            continue
        seen.offered[path] = set()
        for match in POSTS.finditer(visit.response.text):
            action = html.unescape(next(filter(None, match.groups())))
            key = _write_key(matrix, action) or f"POST {action} (no such route)"
            seen.forms.setdefault(key, path)
            seen.offered[path].add(key)
    return seen


@CRAWLS
@pytest.mark.parametrize("login", MATRIX_LOGINS[1:])
def test_pages_link_only_where_their_reader_may_go(matrix: Matrix, login: str) -> None:
    """From the home page, every link a reader is shown opens for them: no tab, tile, menu
    entry or cross-link ends on a refusal (a rep's outage reaching other grids, an agent's
    wall beside analytics pages that are not theirs). Every link of the pages read is opened
    (once per path: who may open a page is not in its query); two pages of each shape are read."""
    seen = _crawl(matrix, login)
    assert len(seen.linked_from) > 5, f"{login} reached only {sorted(seen.linked_from)}"
    assert not seen.refused, f"{login} is shown links that refuse them:\n  " + "\n  ".join(seen.refused)
    # Nor a form whose change the reader may not make (a button that can only be refused).
    futile = [
        f"{key} on {page}"
        for key, page in sorted(seen.forms.items())
        if key not in EXPECT or (EXPECT[key].write and key not in SHARED_FORMS and login not in EXPECT[key].allow)
    ]
    assert not futile, f"{login} is shown forms they may not send:\n  " + "\n  ".join(futile)


# Forms shown only with something of the reader's own, or in a state, that the matrix's world
# does not give every writer; login None: whoever the writer.
SHOWN_WHEN: dict[str, tuple[str, str | None]] = {
    "POST /calls/status": ("the reader has a seat on the console", None),
    "POST /calls/handover/{handover_id}/receive": ("a shift was handed over to the reader", None),
    "POST /calls/staffing/targets": ("the forecast shows figures other than the company's targets", None),
    "POST /calls/{call_id}/order": ("a call rings at the reader's seat", None),
    "POST /calls/{call_id}/customer": ("a call rings at the reader's seat", None),
    "POST /calls/{call_id}/new-customer": ("a call rings at the reader's seat", None),
    "POST /field/stops/{stop_id}/check-in": ("the reader patrols today", None),
    "POST /field/stops/{stop_id}/finding": ("the reader patrols today", None),
    "POST /notifications/{notification_id}/retry": ("a message is dead", None),
    "POST /analytics/scorecards/snapshot": ("a month can be closed", None),
    "POST /orders/{order_id}/link": ("an order has a task for the department", "department"),
    "POST /orders/{order_id}/support": ("an order has a task for the department", "department"),
}
OWN_FORMS = {key for key, (_when, login) in SHOWN_WHEN.items() if login is None}


@CRAWLS
@pytest.mark.parametrize("login", MATRIX_LOGINS[1:])
def test_every_page_form_a_reader_may_send_is_on_a_page_they_reach(matrix: Matrix, login: str) -> None:
    """A form shown to no one is a capability no one can use from the pages: the new patrol
    plan page once showed its form disabled to every role, and no test noticed, as the
    other tests look only at forms shown. Every page route (not /api) the matrix lets this
    reader post to is on a page they reach, unless it needs what SHOWN_WHEN names."""
    offered = set().union(*_crawl(matrix, login).offered.values())
    unreached = [
        key
        for key, spec in EXPECT.items()
        if key.startswith("POST /") and not key.startswith("POST /api/") and spec.write and login in spec.allow and key not in offered
        and not (key in SHOWN_WHEN and SHOWN_WHEN[key][1] in (None, login))
    ]
    assert not unreached, f"{login} may send these, but no page they reach offers them:\n  " + "\n  ".join(sorted(unreached))


@CRAWLS
def test_every_page_offers_its_forms_to_everyone_who_may_send_them(matrix: Matrix) -> None:
    """The converse: a page that shows one reader a form shows it to every other reader of
    that page whom the matrix lets send it. (The new patrol plan page once showed its form
    disabled to everyone, so no plan could be made from a page.) Pages of one record are
    left out: what they offer depends on the record's grid as well as on the role."""
    crawls = {login: _crawl(matrix, login) for login in MATRIX_LOGINS[1:]}
    missing = [
        f"{login} is not offered {key} on {page} (shown to {shown_to})"
        for shown_to, crawl in crawls.items()
        for page, keys in crawl.offered.items()
        if not re.search(r"\d", page)
        for key in keys
        if key in EXPECT and EXPECT[key].write and key not in OWN_FORMS
        for login, other in crawls.items()
        if login in EXPECT[key].allow and page in other.offered and key not in other.offered[page]
    ]
    assert not missing, "\n".join(sorted(set(missing)))


@pytest.mark.parametrize("key", WRITES)
def test_writes_outside_the_callers_right_or_scope_are_refused(matrix: Matrix, key: str) -> None:
    route, spec, world = _route(matrix, key), EXPECT[key], matrix.world
    problems: list[str] = []

    def refused(login: str | None, sample: Sample | None, body: Any = None, what: str = "") -> None:
        before = matrix.version()
        response = send(
            matrix.client,
            _call(route, spec, sample, login, world, body),
            world.tokens[login] if login else None,
        )
        who = f"{login or 'anonymous'} on {sample.label if sample else '-'}{what}: {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{who} server error {response.text[:200]}")
        elif (
            not spec.public
            and not _refused(route, response, in_body=in_body or bool(what))
            and not (spec.filtered and response.status_code < 300)
        ):
            problems.append(
                f"{who} was not refused {response.headers.get('location', '')} {response.text[:200]}"
            )
        if matrix.version() != before:
            if not spec.public:  # a public form may keep what it was sent (a failed login's count)
                problems.append(f"{who} changed the database")
            matrix.restore()
        if leaks := _leaks(response.text, _forbidden(world, spec, login)):
            problems.append(f"{who} shows {leaks}")

    samples = _samples(world, spec)
    in_body = spec.kind is not None and not any(
        name in route.params for name in (samples[0].params if samples[0] else {})
    )
    for login in MATRIX_LOGINS:
        for sample in samples:
            allowed = (
                login is not None
                and login in spec.allow
                and (
                    sample is None
                    or world.sees(login, sample.scope, utility_wide=sample.utility_wide)
                )
            )
            if not allowed:
                refused(login, sample)
        if spec.foreign is not None and login in spec.allow and world.company_of(login):
            own = next(
                (
                    s
                    for s in samples
                    if s is None or world.sees(login, s.scope, utility_wide=s.utility_wide)
                ),
                None,
            )
            refused(
                login,
                own,
                body=spec.foreign(login, world),
                what=" (a body aimed at the other company)",
            )
    if spec.control and not spec.public:
        problems.extend(_control(matrix, route, spec, samples))
    assert not problems, f"{key}:\n  " + "\n  ".join(problems)


def _control(matrix: Matrix, route: Route, spec: Spec, samples: list[Sample | None]) -> list[str]:
    """One allowed caller's request on their own row must go through: else the bodies above
    prove nothing (they might fail validation for everyone)."""
    world = matrix.world
    for login in CONTROL_ORDER:
        if login not in spec.allow:
            continue
        sample = next(
            (
                s
                for s in samples
                if s is None
                or (
                    s.label in ("own", "company")
                    and world.sees(login, s.scope, utility_wide=s.utility_wide)
                )
            ),
            None,
        )
        if sample is None and spec.kind is not None:
            continue
        before = matrix.version()
        response = send(
            matrix.client, _call(route, spec, sample, login, world), world.tokens[login]
        )
        changed = matrix.version() != before
        matrix.restore()
        ok = response.status_code < 400 and "error=" not in response.headers.get("location", "")
        if ok and changed:
            return []
        return [
            f"control: {login} on {sample.label if sample else '-'} got {response.status_code} {response.headers.get('location', '')} {response.text[:300]}; database {'changed' if changed else 'unchanged'}"
        ]
    return [f"control: nobody in {sorted(spec.allow)} sees a row to try"]


def _route(matrix: Matrix, key: str) -> Route:
    if key not in matrix.routes:
        pytest.fail(f"{key} is in expectations.py but not in the app")
    return matrix.routes[key]
