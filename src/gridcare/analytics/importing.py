"""Monthly meter and billing aggregates per grid, as billing systems export them (CSV in
UTF-8 or GBK, or XLSX); the format is documented in docs/analytics-import.md and on the
scorecards page.

Columns (case-insensitive; Chinese aliases accepted): ``month`` (2026-10), ``grid`` (grid
code), ``meters_due``, ``meters_read``, ``billed_amount``, ``collected_amount`` (required);
``supplied_m3`` and ``billed_m3`` (water grids, for non-revenue water).

Parsing is pure: every bad row is reported with its line, field and reason, and the caller
imports nothing unless the whole file is good. File reading (encodings, XLSX, line numbers
as the user sees them) is the customer importer's."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from gridcare.core.i18n import T_
from gridcare.customers.importing import RowProblem, _nonblank, _records, problems_to_text

__all__ = ["AggregateRow", "ParsedAggregates", "RowProblem", "parse_aggregates", "problems_to_text", "COLUMNS"]

MAX_ROWS = 100_000
COLUMNS: dict[str, tuple[str, ...]] = {
    "month": ("month", "月份"),
    "grid": ("grid", "grid_code", "网格", "网格编码"),
    "supplied_m3": ("supplied_m3", "供水量"),
    "billed_m3": ("billed_m3", "售水量"),
    "meters_due": ("meters_due", "应抄户数"),
    "meters_read": ("meters_read", "实抄户数"),
    "billed_amount": ("billed_amount", "应收金额"),
    "collected_amount": ("collected_amount", "实收金额"),
}
REQUIRED = ("month", "grid", "meters_due", "meters_read", "billed_amount", "collected_amount")
_ALIAS = {alias.lower(): key for key, aliases in COLUMNS.items() for alias in aliases}
_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class AggregateRow:
    line: int
    month: str
    grid_code: str
    supplied_m3: float | None
    billed_m3: float | None
    meters_due: int
    meters_read: int
    billed_amount: float
    collected_amount: float


@dataclass
class ParsedAggregates:
    rows: list[AggregateRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)


def _number(text: str, name: str, line: int, problems: list[RowProblem], *, integer: bool = False, optional: bool = False) -> float | None:
    value = text.strip().replace(",", "")
    if not value:
        if not optional:
            problems.append(RowProblem(line, name, T_("is required")))
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append(RowProblem(line, name, T_("%(value)r is not a number", value=text.strip()[:30])))
        return None
    if not math.isfinite(number) or number < 0:
        problems.append(RowProblem(line, name, T_("must be a number of %(low)s or more", low=0)))
        return None
    if integer and number != int(number):
        problems.append(RowProblem(line, name, T_("must be a whole number")))
        return None
    return number


def parse_aggregates(data: bytes, *, filename: str, grid_codes: Iterable[str], encoding: str | None = None) -> ParsedAggregates:
    known = set(grid_codes)
    out = ParsedAggregates()
    problems = out.problems
    columns: list[str | None] | None = None
    seen: dict[tuple[str, str], int] = {}
    for line, cells in _nonblank(_records(data, filename, encoding), problems):
        if columns is None:
            columns = [_ALIAS.get(c.strip().lower()) for c in cells]
            missing = [c for c in REQUIRED if c not in columns]
            if missing:
                problems.append(RowProblem(line, "header", T_("missing required column(s): %(columns)s", columns=", ".join(missing))))
                return out
            continue
        if len(out.rows) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(line, "file", T_("more than %(n)s rows; split the file", n=MAX_ROWS)))
            break
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(columns) if name}
        before = len(problems)
        month = values.get("month", "").strip()
        m = _MONTH.fullmatch(month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            problems.append(RowProblem(line, "month", T_("%(value)r is not a month like %(example)s", value=month[:20], example="2026-10")))
        grid = values.get("grid", "").strip()
        if not grid:
            problems.append(RowProblem(line, "grid", T_("is required")))
        elif grid not in known:
            problems.append(RowProblem(line, "grid", T_("no grid with code %(code)r", code=grid[:40])))
        elif (month, grid) in seen:
            problems.append(RowProblem(line, "grid", T_("%(grid)r for %(month)s is already on line %(line)s", grid=grid, month=month, line=seen[(month, grid)])))
        else:
            seen[(month, grid)] = line
        supplied = _number(values.get("supplied_m3", ""), "supplied_m3", line, problems, optional=True)
        billed_m3 = _number(values.get("billed_m3", ""), "billed_m3", line, problems, optional=True)
        if (supplied is None) != (billed_m3 is None) and len(problems) == before:
            problems.append(RowProblem(line, "billed_m3" if billed_m3 is None else "supplied_m3", T_("give both %(a)s and %(b)s, or neither", a="supplied_m3", b="billed_m3")))
        due = _number(values.get("meters_due", ""), "meters_due", line, problems, integer=True)
        read = _number(values.get("meters_read", ""), "meters_read", line, problems, integer=True)
        if due is not None and read is not None and read > due:
            problems.append(RowProblem(line, "meters_read", T_("%(read)s is more than meters_due (%(due)s)", read=int(read), due=int(due))))
        billed = _number(values.get("billed_amount", ""), "billed_amount", line, problems)
        collected = _number(values.get("collected_amount", ""), "collected_amount", line, problems)
        if len(problems) == before:
            assert due is not None and read is not None and billed is not None and collected is not None
            out.rows.append(AggregateRow(line, month, grid, supplied, billed_m3, int(due), int(read), billed, collected))
    if columns is None and not problems:
        problems.append(RowProblem(1, "file", T_("the file is empty")))
    elif columns is not None and not out.rows and not problems:
        problems.append(RowProblem(2, "file", T_("the file has a header but no rows")))
    return out
