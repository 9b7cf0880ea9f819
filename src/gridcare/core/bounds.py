"""Values in a request must fit the SQL columns they end up in.

Python and Pydantic take integers of any size and text with NUL characters, but SQLite
refuses to bind an integer beyond 64 bits, PostgreSQL one beyond its column's 32 bits (every
``Integer`` column is int4 there) and NUL in text and JSON: all fail deep in the driver, a
500. Such a value can only be bad input, so every route checks its parameters, form fields
and JSON body up front and answers 422 naming the field, whatever the route forgot to bound."""

from __future__ import annotations

import json
import math
import re
import types
import typing
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_

SQL_MAX = 2**31 - 1  # PostgreSQL's int4, the narrowest integer column
SQL_MIN = -(2**31)
NUL = "\x00"
NUL_REASON = T_("must not contain NUL characters")
# Any integer beyond the range has at least 10 digits; JSON writes NUL as \u0000. A body
# with neither (nearly all of them) is not parsed again.
_SUSPECT_JSON = re.compile(rb"\d{10}|\\u0000")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_int_params: dict[int, list[tuple[str, str]]] = {}


def _takes_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _takes_int(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset, typing.Sequence):
        return any(_takes_int(a) for a in typing.get_args(annotation))
    return False


def _int_params_of(route: APIRoute) -> list[tuple[str, str]]:
    """(where, name) of the route's integer parameters: path, query and form fields."""
    found = _int_params.get(id(route))
    if found is None:
        found, pending = [], [route.dependant]
        while pending:
            dependant = pending.pop()
            pending.extend(dependant.dependencies)
            for where, fields in (
                ("path", dependant.path_params),
                ("query", dependant.query_params),
                ("form", dependant.body_params),
            ):
                found += [(where, f.alias) for f in fields if _takes_int(f.field_info.annotation)]
        _int_params[id(route)] = found
    return found


def _out_of_range(value: int) -> str | None:
    if value > SQL_MAX:
        return T_("must be at most %(n)s", n=SQL_MAX)
    if value < SQL_MIN:
        return T_("must be at least %(n)s", n=SQL_MIN)
    return None


@typing.overload
def whole_number(value: object, field: str, *, required: typing.Literal[True]) -> int: ...
@typing.overload
def whole_number(value: object, field: str, *, blank: int) -> int: ...
@typing.overload
def whole_number(value: object, field: str, *, required: bool = False) -> int | None: ...
def whole_number(value: object, field: str, *, required: bool = False, blank: int | None = None) -> int | None:
    """A whole number typed as text (a form field, a filter read by hand); ``blank`` (None
    unless given) when nothing is typed and it is not required. Only ASCII digits:
    ``str.isdigit`` also passes "²", which ``int`` refuses, and "١٢", which it reads; and
    only what fits an integer column, so the driver never sees it. A typed 0 stays 0 (a
    default after ``or`` would replace it)."""
    text = str(value if value is not None else "").strip()
    if not text and not required:
        return blank
    if not _WHOLE.fullmatch(text):
        raise InvalidInput.field(field, T_("must be a whole number"))
    number = int(text)
    if reason := _out_of_range(number):
        raise InvalidInput.field(field, reason)
    return number


@typing.overload
def real_number(value: object, field: str, *, blank: float) -> float: ...
@typing.overload
def real_number(value: object, field: str) -> float | None: ...
def real_number(value: object, field: str, *, blank: float | None = None) -> float | None:
    """A number typed as text, or ``blank`` (None unless given) when nothing is typed; never
    NaN or infinite ("1e400", "nan")."""
    text = str(value if value is not None else "").strip()
    if not text:
        return blank
    try:
        number = float(text) if text.isascii() else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InvalidInput.field(field, T_("must be a number"))
    return number


def instant(value: object, field: str) -> datetime | None:
    """A moment typed as ISO 8601 text with its offset ("2026-12-07T10:02:00+08:00", or Z),
    or None when nothing is given. A time without an offset is refused: it could be any zone."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text) if text.isascii() and len(text) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInput.field(field, T_("expected a time, e.g. %(example)s", example="2026-12-07T10:02:00+08:00"))
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput.field(field, T_("give the time with its offset, e.g. %(example)s", example="2026-12-07T10:02:00+08:00"))
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # year 1 at +14:00 lies before the calendar starts
        raise InvalidInput.field(field, T_("expected a time, e.g. %(example)s", example="2026-12-07T10:02:00+08:00")) from None


def _integer_problem(name: str, text: str) -> FieldProblem | None:
    if len(text) < 10:
        return None
    try:
        reason = _out_of_range(int(text.strip()))
    except ValueError:
        return None  # not an integer at all: the route's own validation says so
    return FieldProblem(name, reason) if reason else None


def _json_problems(value: Any, path: str, out: list[FieldProblem]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        reason = _out_of_range(value)
        if reason:
            out.append(FieldProblem(path or "body", reason))
    elif isinstance(value, str):
        if NUL in value:
            out.append(FieldProblem(path or "body", NUL_REASON))
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if NUL in key:
                out.append(FieldProblem(_shown(where), T_("names a field with a NUL character")))
            else:
                _json_problems(item, where, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_problems(item, f"{path}[{index}]", out)


def _shown(name: str) -> str:
    return name.replace(NUL, "\\0")  # the answer itself must be printable and storable


async def values_fit_sql(request: Request) -> None:
    """An app-wide dependency; FastAPI has read the body (and form) before it runs."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    content_type = request.headers.get("content-type", "")
    form: list[tuple[str, str]] = []
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        # Only text fields: an uploaded file's bytes are its importer's to judge.
        form = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    sources = {
        "path": list(request.path_params.items()),
        "query": request.query_params.multi_items(),
        "form": form,
    }
    wanted = set(_int_params_of(route))
    problems: list[FieldProblem] = []
    for where, items in sources.items():
        for name, text in items:
            if NUL in name or NUL in text:
                problems.append(FieldProblem(_shown(name), NUL_REASON))
            elif (where, name) in wanted and (problem := _integer_problem(name, text)):
                problems.append(problem)
    if "json" in content_type:
        body = await request.body()
        if _SUSPECT_JSON.search(body):
            try:
                document = json.loads(body)
            except ValueError:
                document = None  # FastAPI has already answered a body it cannot parse
            _json_problems(document, "", problems)
    if problems:
        raise InvalidInput.many(problems)
