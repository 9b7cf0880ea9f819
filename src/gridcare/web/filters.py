"""A page read with a filter it cannot use (a hand-edited or stale link: ``?status=bogus``,
``?month=2026-13``) shows itself without that filter and says why, rather than an error
page that leaves the reader nowhere."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_, Joined, as_stored, in_language, restored

FLASH = "filter_problem"


def _parameter(field: str) -> str:
    return re.split(r"[\[.]", field, maxsplit=1)[0]  # "ids[0]" and "target.grid" name ids, target


def without_bad_filter(request: Request, exc: DomainError) -> RedirectResponse | None:
    """The same page without the filters ``exc`` refuses, the reason kept in the session for
    the next page shown (with its message id: that page says it in its reader's language);
    None when the error is not about the page's own query string."""
    if request.method != "GET" or "hx-request" in request.headers or not isinstance(exc, InvalidInput):
        return None
    if getattr(request.scope.get("route"), "response_class", None) is not HTMLResponse:
        return None  # an export or a file: redirecting would hand over other data than asked for
    named = {_parameter(p.field) for p in exc.problems}
    if not named or not named <= set(request.query_params):
        return None
    # Two bad filters are found one redirect after the other: the page names both. The path
    # keeps the reason off any other page (another tab's) that happens to be read next.
    earlier = request.session.get(FLASH)
    kept_problems = earlier["problems"] if isinstance(earlier, dict) and earlier.get("path") == request.url.path else []
    request.session[FLASH] = {"path": request.url.path, "problems": [*kept_problems, as_stored(exc.detail)]}
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items() if k not in named])
    return RedirectResponse(request.url.path + (f"?{kept}" if kept else ""), status_code=303)


def taken_notice(request: Request, locale: str) -> str:
    """The reason a filter was dropped, once, on the page the reader was sent to."""
    if "hx-request" in request.headers or "session" not in request.scope:
        return ""
    kept = request.session.pop(FLASH, None)
    if not isinstance(kept, dict) or kept.get("path") != request.url.path:
        return ""
    problems = [restored(p) for p in kept.get("problems", [])]
    return in_language(T_("This filter was ignored: %(problem)s", problem=Joined(problems)), locale) if problems else ""
