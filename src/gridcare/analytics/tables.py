"""Tables as data (a title, headers, rows) and their export to CSV or Excel. Every table
view of analytics is built as a ``Table`` first, so the page, the CSV and the XLSX show
the same figures."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_

FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = "".join(map(chr, range(32)))


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def _safe(value: Any) -> Any:
    """A spreadsheet runs text starting with = + - @ as a formula: quote it (numbers stay)."""
    # Control characters in front are looked through: some spreadsheets drop them on import.
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or value.lstrip(_CONTROL).startswith(_FORMULA_START)):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([_safe(h) for h in table.headers])
    for row in table.rows:
        w.writerow(["" if v is None else _safe(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def _xlsx_safe(value: Any) -> Any:
    """As ``_safe``, without the control characters a worksheet cannot hold (openpyxl
    refuses the whole file for one NUL in an imported name)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Stripped before quoting: "\x00=cmd" must not become a formula once the NUL is gone.
    return _safe(ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)


def to_xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for t in tables:
        ws = wb.create_sheet(_sheet_name(t.title, wb.sheetnames))
        ws.append([_xlsx_safe(h) for h in t.headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in t.rows:
            ws.append([_xlsx_safe(v) for v in row])
        for i, h in enumerate(t.headers, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(40, len(str(h)) * 2 + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(title: str, taken: list[str]) -> str:
    name = "".join(c for c in title if c not in "[]:*?/\\" and c.isprintable())[:28] or "Sheet"
    base, n = name, 2
    while name in taken:
        name, n = f"{base[:25]} {n}", n + 1
    return name


def export(table: Table, fmt: str) -> tuple[bytes, str, str]:
    """(body, media type, file extension)."""
    if fmt == "csv":
        return to_csv(table), "text/csv; charset=utf-8", "csv"
    if fmt == "xlsx":
        return to_xlsx([table]), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    raise InvalidInput.field("format", T_("must be %(a)s or %(b)s", a="csv", b="xlsx"))
