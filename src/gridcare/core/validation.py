"""Request validation errors (FastAPI/pydantic) said in the reader's language.

Pydantic words its reasons in English ("Input should be a valid integer, …"). English
readers keep those words; other readers get ours, by the error's type and its limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gridcare.core.errors import FieldProblem, InvalidInput
from gridcare.core.i18n import N_, translations

# error type -> (message, the ctx key that fills %(n)s or %(choices)s)
REASONS: dict[str, tuple[str, str | None]] = {
    "missing": (N_("is required"), None),
    "int_parsing": (N_("must be a whole number"), None),
    "int_type": (N_("must be a whole number"), None),
    "int_from_float": (N_("must be a whole number"), None),
    "float_parsing": (N_("must be a number"), None),
    "float_type": (N_("must be a number"), None),
    "decimal_parsing": (N_("must be a number"), None),
    "bool_parsing": (N_("must be true or false"), None),
    "bool_type": (N_("must be true or false"), None),
    "string_type": (N_("must be text"), None),
    "string_too_long": (N_("must be at most %(n)s characters"), "max_length"),
    "string_too_short": (N_("must be at least %(n)s characters"), "min_length"),
    "too_long": (N_("must have at most %(n)s items"), "max_length"),
    "too_short": (N_("must have at least %(n)s items"), "min_length"),
    "greater_than_equal": (N_("must be at least %(n)s"), "ge"),
    "greater_than": (N_("must be more than %(n)s"), "gt"),
    "less_than_equal": (N_("must be at most %(n)s"), "le"),
    "less_than": (N_("must be less than %(n)s"), "lt"),
    "literal_error": (N_("must be one of %(choices)s"), "expected"),
    "enum": (N_("must be one of %(choices)s"), "expected"),
    "string_pattern_mismatch": (N_("is not in the expected format"), None),
    "date_parsing": (N_("must be a date, e.g. 2026-11-24"), None),
    "date_from_datetime_parsing": (N_("must be a date, e.g. 2026-11-24"), None),
    "datetime_parsing": (N_("must be a date and time, e.g. 2026-11-24T08:00:00+08:00"), None),
    "datetime_from_date_parsing": (N_("must be a date and time, e.g. 2026-11-24T08:00:00+08:00"), None),
    "list_type": (N_("must be a list"), None),
    "dict_type": (N_("must be an object"), None),
    "model_type": (N_("must be an object"), None),
    "json_invalid": (N_("is not valid JSON"), None),
    "extra_forbidden": (N_("is not a field of this request"), None),
}


def reason(error: dict[str, Any], locale: str) -> str:
    """One pydantic error's reason in ``locale``: pydantic's own words in English, ours elsewhere."""
    said = str(error.get("msg", "invalid"))
    known = REASONS.get(str(error.get("type", "")))
    if locale == "en" or known is None:
        return said
    message, key = known
    text = translations(locale).gettext(message)
    if key is None:
        return text
    value = (error.get("ctx") or {}).get(key)
    if value is None:
        return said
    return text % {"n": value, "choices": value}


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "phones", 0) -> "phones[0]"; the "body"/"query" prefix says where, the rest what.
    parts: list[str] = []
    for item in loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie", "form") else loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or str(loc[0] if loc else "body")


def refused(errors: Sequence[dict[str, Any]], locale: str) -> InvalidInput:
    """FastAPI's validation errors as one refusal naming each field and its reason."""
    return InvalidInput.many([FieldProblem(field_path(tuple(e.get("loc", ()))), reason(e, locale)) for e in errors])
