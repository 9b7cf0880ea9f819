"""Reading a knowledge base from a spreadsheet (the FAQ a command center keeps in Excel, saved
as CSV): one article per row. Columns may be named in English or Chinese. Pure: bytes in,
rows or the first problem out, naming its line and column."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.uploads import decode_text

COLUMNS = {
    "title": ("title", "标题", "问题"),
    "body": ("body", "answer", "答案", "回答", "内容"),
    "keywords": ("keywords", "关键词", "关键字"),
    "topic": ("topic", "分类", "主题", "类别"),
    "utility": ("utility", "专业", "行业"),
}
UTILITY_WORDS = {"": None, "electric": "electric", "water": "water", "电": "electric", "供电": "electric", "电力": "electric", "水": "water", "供水": "water",
                 "both": None, "通用": None, "全部": None}
MAX_ROWS = 5_000
MAX_PROBLEMS = 50  # told at once; a file with more is mostly wrong in one way


@dataclass(frozen=True)
class Row:
    line: int
    title: str
    body: str
    keywords: str
    topic: str
    utility: str | None


def _columns(header: list[str]) -> dict[str, int]:
    """Our column -> its position, from the file's header (case and spaces ignored)."""
    named = {cell.strip().lower(): i for i, cell in enumerate(header)}
    found = {ours: next((named[a] for a in aliases if a in named), -1) for ours, aliases in COLUMNS.items()}
    return {ours: i for ours, i in found.items() if i >= 0}


def read(data: bytes) -> list[Row]:
    text = decode_text(data)
    if text is None:
        raise InvalidInput.field("file", T_("must be text in UTF-8, GBK or UTF-16"))
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if first.count("\t") > first.count(",") else ",")
    try:
        records = list(reader)
    except csv.Error as exc:
        raise InvalidInput.field("file", T_("line %(line)s: unreadable CSV: %(error)s", line=reader.line_num, error=str(exc))) from None
    if not records:
        raise InvalidInput.field("file", T_("is empty"))
    columns = _columns(records[0])
    missing = [c for c in ("title", "body") if c not in columns]
    if missing:
        raise InvalidInput.field("file", T_("needs the columns %(columns)s (or 标题, 答案)", columns=", ".join(missing)))
    rows: list[Row] = []
    problems: list[FieldProblem] = []
    for line, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            at = columns.get(name, -1)
            return cells[at].strip() if 0 <= at < len(cells) else ""

        utility = cell("utility").lower()
        if utility not in UTILITY_WORDS:
            problems.append(at_line(line, "utility", T_("must be one of %(choices)s", choices="electric, water, 电, 水 (empty: both)")))
        rows.append(Row(line, cell("title"), cell("body"), cell("keywords"), cell("topic"), UTILITY_WORDS.get(utility)))
        if len(rows) > MAX_ROWS:
            raise InvalidInput.field("file", T_("holds more than %(n)s articles; split it", n=MAX_ROWS))
    if problems:
        raise InvalidInput.many(problems[:MAX_PROBLEMS])
    if not rows:
        raise InvalidInput.field("file", T_("holds no articles, only a header"))
    return rows


def at_line(line: int, field: str, reason: str) -> FieldProblem:
    """A problem of one row, named by its line and column."""
    return FieldProblem(T_("line %(line)s, %(field)s", line=line, field=field), reason)



def as_csv(articles: list[tuple[str, str, str, str, str | None]]) -> bytes:
    """Articles (title, body, keywords, topic, utility) as a CSV that ``read`` takes back, safe
    to open in a spreadsheet."""
    from gridcare.analytics.tables import Table, to_csv

    return to_csv(Table("knowledge", list(COLUMNS), [[title, body, keywords, topic, utility or ""] for title, body, keywords, topic, utility in articles]))
