"""Pages of the knowledge base: search (also as a fragment the agent console and the expert
queue show beside a call or a question), an article, and writing or revising one."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridcare.auth import service as auth
from gridcare.core.bounds import whole_number
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import DomainError, InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.core.uploads import MAX_IMPORT_BYTES, read_limited
from gridcare.knowledge import rules, service
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State
from gridcare.web.nav import mark_available
from gridcare.web.render import explained, render
from gridcare.workorders import queries as order_queries

router = APIRouter(include_in_schema=False, dependencies=[CsrfChecked])
FIELDS = ("title", "body", "keywords", "topic", "utility", "review_by")


def _review_date(value: str) -> datetime | None:
    """A date input's value as the start of that day in Shanghai."""
    if not value.strip():
        return None
    try:
        day = datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput.field("review_by", T_("expected a date, e.g. 2027-06-30")) from None
    return datetime.combine(day, time(), SHANGHAI)


def _written(form: dict[str, str]) -> dict[str, Any]:
    return {"title": form.get("title", ""), "body": form.get("body", ""), "keywords": form.get("keywords", ""), "topic": form.get("topic", ""),
            "utility": form.get("utility") or None, "review_by": _review_date(form.get("review_by", ""))}


def _search_context(session: Any, principal: Principal, now: datetime, q: str, topic: str = "", utility: str = "", status: str | None = None, due: bool = False, limit: int = 20) -> dict[str, Any]:
    hits = service.search(session, actor=principal, text=q, topic=topic, utility=utility, status=status, due=due, now=now, limit=limit)
    return {"hits": hits, "q": q, "now": now, "review_due": rules.review_due}


@router.get("/knowledge", response_class=HTMLResponse)
def search_page(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, q: str = "", topic: str = "", utility: str = "", status: str = "",
                due: bool = False, error: str = "", imported: str = "") -> HTMLResponse:
    now = state.clock.now()
    can_write = rules.may_write(principal)
    by_hand = service.answered_by_hand(session, actor=principal, now=now, limit=10) if can_write else []
    return render(request, "knowledge/search.html", principal=principal, error=error, imported=whole_number(imported, "imported", blank=0), topic=topic, utility=utility, status=status, due=due, topics=service.topics(session, actor=principal),
                  statuses=rules.STATUSES, can_write=can_write, due_count=service.count_due_review(session, actor=principal, now=now),
                  by_hand=by_hand, names=auth.display_names(session, logins=[d.answered_by for d in by_hand]),
                  **_search_context(session, principal, now, q, topic, utility, status or None, due, limit=50))


@router.get("/knowledge/search", response_class=HTMLResponse)
def search_fragment(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, q: str = "", question: str = "", description: str = "", utility: str = "",
                    limit: str = "5", pick: str = "") -> HTMLResponse:
    """The best few answers, for the console's and the expert queue's side panels, under the
    question a rep is about to ask the experts (``question``, the form's own field), and under
    what a caller asks an agent answering on the call (``description``; ``pick`` offers each
    published hit as the answer given)."""
    shown = min(whole_number(limit, "limit", blank=5), 20)
    q = q or question or description
    context = _search_context(session, principal, state.clock.now(), q, utility=utility, limit=max(1, shown)) if q.strip() else {"hits": [], "q": q}
    return render(request, "knowledge/_hits.html", principal=principal, compact=True, pick=bool(pick), **context)


@router.post("/knowledge/import", response_model=None)
def import_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State, file: UploadFile = File(...)) -> Response:
    try:
        with session.begin_nested():
            n = service.import_articles(session, actor=principal, now=state.clock.now(), data=read_limited(file.file, MAX_IMPORT_BYTES))
    except DomainError as exc:
        return RedirectResponse(f"/knowledge?error={quote(explained(request, principal, exc)[:1500])}", status_code=303)
    return RedirectResponse(f"/knowledge?imported={n}", status_code=303)


@router.get("/knowledge/new", response_class=HTMLResponse)
def new_page(request: Request, session: DbSession, principal: CurrentPrincipal, question: str = "", order: str = "", error: str = "") -> HTMLResponse:
    article: dict[str, Any] = {"title": "", "body": "", "keywords": "", "topic": "", "utility": None, "question_id": None, "order_id": None}
    service.require_write(principal)
    if question:
        article = service.draft_from_question(session, actor=principal, question_id=whole_number(question, "question"))
    elif order:
        article = service.draft_from_order(session, actor=principal, order_id=whole_number(order, "order"))
    return render(request, "knowledge/edit.html", principal=principal, article=article, error=error, topics=service.topics(session, actor=principal), action="/knowledge")


@router.post("/knowledge", response_model=None)
async def write_from_form(request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    question, order = form.get("question_id", ""), form.get("order_id", "")
    try:
        with session.begin_nested():
            article = service.write(session, actor=principal, now=state.clock.now(), status="draft" if form.get("action") == "draft" else "published",
                                    question_id=whole_number(question, "question_id"), order_id=whole_number(order, "order_id"), **_written(form))
    except DomainError as exc:
        back = f"/knowledge/new?question={quote(question)}&" if question else f"/knowledge/new?order={quote(order)}&" if order else "/knowledge/new?"
        return RedirectResponse(f"{back}error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/knowledge/{article.id}", status_code=303)


@router.get("/knowledge/{article_id}", response_class=HTMLResponse)
def article_page(article_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State, error: str = "", used: str = "") -> HTMLResponse:
    now = state.clock.now()
    article = service.get(session, actor=principal, article_id=article_id)
    answered = service.answered_demands(session, actor=principal, article_id=article_id)
    return render(request, "knowledge/article.html", principal=principal, a=article, error=error, used=used, statuses=rules.STATUSES, review=rules.review_due(article.review_by, now),
                  keywords=rules.keyword_list(article.keywords), can_write=rules.may_change(principal, article.org_path),
                  answered=answered, demands=order_queries.demands(session, actor=principal, ids=[u.order_id for u in answered]),
                  names=auth.display_names(session, logins=[u.used_by for u in answered]))


@router.get("/knowledge/{article_id}/edit", response_class=HTMLResponse)
def edit_page(article_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, error: str = "") -> HTMLResponse:
    service.require_write(principal)
    article = service.get(session, actor=principal, article_id=article_id)
    shown = {"id": article.id, "title": article.title, "body": article.body, "keywords": article.keywords, "topic": article.topic, "utility": article.utility,
             "review_by": article.review_by, "question_id": article.question_id}
    return render(request, "knowledge/edit.html", principal=principal, article=shown, error=error, topics=service.topics(session, actor=principal), action=f"/knowledge/{article.id}/do")


@router.post("/knowledge/{article_id}/do", response_model=None)
async def article_action(article_id: int, request: Request, session: DbSession, principal: CurrentPrincipal, state: State) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    action, now, after = form.get("action", ""), state.clock.now(), ""
    try:
        with session.begin_nested():
            if action == "revise":
                service.revise(session, actor=principal, now=now, article_id=article_id, **_written(form))
            elif action in ("publish", "retire", "draft"):
                service.set_status(session, actor=principal, now=now, article_id=article_id, status={"publish": "published", "retire": "retired", "draft": "draft"}[action])
            elif action == "used":
                service.mark_used(session, actor=principal, now=now, article_id=article_id)
                after = "?used=1"
            else:
                raise InvalidInput.field("action", T_("unknown action %(action)r", action=action))
    except DomainError as exc:
        back = f"/knowledge/{article_id}/edit" if action == "revise" else f"/knowledge/{article_id}"
        return RedirectResponse(f"{back}?error={quote(explained(request, principal, exc))}", status_code=303)
    return RedirectResponse(f"/knowledge/{article_id}{after}", status_code=303)


mark_available("knowledge")
