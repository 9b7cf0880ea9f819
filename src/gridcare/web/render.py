"""Page rendering: Jinja2 with the user's language, the CSRF token and the navigation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from gridcare import __version__
from gridcare.core import i18n
from gridcare.core.clock import to_local, until
from gridcare.core.errors import DomainError
from gridcare.core.principal import Principal
from gridcare.web.deps import csrf_token
from gridcare.web.filters import taken_notice
from gridcare.web.nav import active_href, sections_for

TEMPLATE_DIRS = [Path(__file__).resolve().parent / "templates"]


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=[str(d) for d in TEMPLATE_DIRS])
    templates.env.filters["localtime"] = localtime
    templates.env.filters["until"] = until  # a span's end: end|until(start), "24:00" at the midnight after
    from gridcare.workorders.labels import reason_text
    from gridcare.workorders.states import dissatisfied

    templates.env.globals["reason_text"] = reason_text
    templates.env.globals["dissatisfied"] = dissatisfied
    from gridcare.customers.phones import display_phone

    # A stored number (E.164) as the reader dials it: national format for the country's own.
    templates.env.filters["phone"] = lambda value: display_phone(value) if value else ""
    return templates


def add_template_dir(templates: Jinja2Templates, directory: Path) -> None:
    """Domains keep their own ``templates/`` folder; they are searched after the shared one."""
    loader = templates.env.loader
    searchpath = getattr(loader, "searchpath", None)
    if searchpath is not None and str(directory) not in searchpath:
        searchpath.append(str(directory))


def locale_for(request: Request, principal: Principal | None) -> str:
    if principal is not None and principal.user_id is not None:
        return principal.locale
    chosen = request.session.get("locale")
    if chosen in i18n.SUPPORTED:
        return chosen
    return i18n.negotiate(request.headers.get("accept-language"))


def explained(request: Request, principal: Principal | None, exc: DomainError) -> str:
    """A domain error's detail in the reader's language, e.g. for a redirect's ``?error=``."""
    return exc.explained(locale_for(request, principal))


def render(request: Request, template: str, *, principal: Principal | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    locale = locale_for(request, principal)
    if isinstance(context.get("error"), i18n.Text):
        context["error"] = context["error"].in_language(locale)
    state = request.app.state.gridcare
    context.update(
        request=request,
        principal=principal,
        locale=locale,
        html_lang="zh-CN" if locale == "zh_CN" else "en",
        _=i18n.translator(locale),
        csrf_token=csrf_token(request),
        nav=sections_for(principal.role) if principal else [],
        nav_active=active_href(request.url.path),
        current_path=request.url.path,
        version=__version__,
        redis_mode=bool(state.settings.redis_url),
        filter_problem=taken_notice(request, locale) if principal else "",
        csrf_input=Markup(f'<input type="hidden" name="csrf_token" value="{csrf_token(request)}">'),
    )
    return state.templates.TemplateResponse(request, template, context, status_code=status_code)


def localtime(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in the service area's time; an ISO string is one too (a timeline event's data)."""
    if not value:
        return ""
    return to_local(datetime.fromisoformat(value) if isinstance(value, str) else value).strftime(fmt)
