"""REST: the knowledge base — search, read, write (also from an expert's answer), revise,
publish or retire, and count a use on a call."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, File, Response, UploadFile, status
from pydantic import BaseModel, Field

from gridcare.core.uploads import MAX_IMPORT_BYTES, read_limited
from gridcare.knowledge import rules, service
from gridcare.knowledge.models import Article
from gridcare.web.deps import CsrfChecked, CurrentPrincipal, DbSession, State

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"], dependencies=[CsrfChecked])


class ArticleIn(BaseModel):
    title: str = Field(max_length=rules.TITLE_MAX)
    body: str = Field(max_length=rules.BODY_MAX)
    keywords: str = Field(default="", max_length=rules.KEYWORDS_MAX, description="separated by commas or semicolons")
    topic: str = Field(default="", max_length=rules.TOPIC_MAX)
    utility: Literal["electric", "water"] | None = Field(default=None, description="none: both")
    review_by: datetime | None = Field(default=None, description="default: a year from now")


class NewArticleIn(ArticleIn):
    status: Literal["draft", "published"] = "published"
    question_id: int | None = Field(default=None, description="the expert's answer it is written from")
    order_id: int | None = Field(default=None, description="the demand an agent answered at intake it is written from: it then counts as the article's")


class StatusIn(BaseModel):
    status: Literal["draft", "published", "retired"]


def as_json(article: Article, now: datetime) -> dict[str, Any]:
    return {
        "id": article.id, "title": article.title, "body": article.body, "keywords": rules.keyword_list(article.keywords), "topic": article.topic, "utility": article.utility,
        "status": article.status, "uses": article.uses, "question_id": article.question_id, "org_path": article.org_path, "review_by": article.review_by,
        "review": rules.review_due(article.review_by, now), "created_by": article.created_by, "created_at": article.created_at, "updated_by": article.updated_by,
        "updated_at": article.updated_at,
    }


@router.get("")
def search(session: DbSession, principal: CurrentPrincipal, state: State, q: str = "", topic: str = "", utility: str = "", status: str | None = None, due: bool = False,
           limit: int = 20) -> list[dict[str, Any]]:
    """Articles answering ``q`` (words, or a caller's question as said), best first, each with
    its ``score`` and the ``passage`` where it answers; without ``q``, the most used first.
    ``due`` keeps articles past their review date."""
    now = state.clock.now()
    hits = service.search(session, actor=principal, text=q, topic=topic, utility=utility, status=status, due=due, now=now, limit=max(1, min(limit, 100)))
    return [{k: v for k, v in as_json(h.article, now).items() if k != "body"} | {"score": h.score, "passage": h.passage.__dict__} for h in hits]


@router.get("/topics")
def topics(session: DbSession, principal: CurrentPrincipal) -> list[str]:
    return service.topics(session, actor=principal)


@router.get("/export.csv")
def export(session: DbSession, principal: CurrentPrincipal) -> Response:
    """The articles you see, not retired, as a CSV that ``POST /import`` reads back."""
    return Response(service.export_csv(session, actor=principal)[0], media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="knowledge.csv"'})


@router.post("/import", status_code=status.HTTP_201_CREATED)
def import_file(session: DbSession, principal: CurrentPrincipal, state: State, file: UploadFile = File(...)) -> dict[str, int]:
    """Publish one article per row of a CSV (UTF-8, GBK or UTF-16; columns title and body, and
    optionally keywords, topic, utility, or 标题, 答案, 关键词, 分类, 专业): all rows or none."""
    return {"imported": service.import_articles(session, actor=principal, now=state.clock.now(), data=read_limited(file.file, MAX_IMPORT_BYTES))}


@router.get("/from-question/{question_id}")
def from_question(question_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """What an article written from this expert's answer starts with (POST it to save)."""
    return service.draft_from_question(session, actor=principal, question_id=question_id)


@router.get("/from-order/{order_id}")
def from_order(order_id: int, session: DbSession, principal: CurrentPrincipal) -> dict[str, Any]:
    """What an article written from an answer an agent typed at intake starts with (POST it to save)."""
    return service.draft_from_order(session, actor=principal, order_id=order_id)


@router.get("/answered-by-hand")
def answered_by_hand(session: DbSession, principal: CurrentPrincipal, state: State, limit: int = 20) -> list[dict[str, Any]]:
    """What the base lacks, for writers: demands answered at intake in the last 30 days by a
    typed answer, with no article, newest first."""
    found = service.answered_by_hand(session, actor=principal, now=state.clock.now(), limit=max(1, min(limit, 100)))
    return [{"order_id": d.id, "number": d.number, "utility": d.utility, "question": d.question, "answer": d.answer, "answered_by": d.answered_by, "answered_at": d.answered_at} for d in found]


@router.post("", status_code=status.HTTP_201_CREATED)
def write(body: NewArticleIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    now = state.clock.now()
    article = service.write(session, actor=principal, now=now, **body.model_dump())
    return as_json(article, now)


@router.get("/{article_id}")
def get(article_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    return as_json(service.get(session, actor=principal, article_id=article_id), state.clock.now())


@router.put("/{article_id}")
def revise(article_id: int, body: ArticleIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    now = state.clock.now()
    return as_json(service.revise(session, actor=principal, now=now, article_id=article_id, **body.model_dump()), now)


@router.post("/{article_id}/status")
def set_status(article_id: int, body: StatusIn, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, Any]:
    now = state.clock.now()
    return as_json(service.set_status(session, actor=principal, now=now, article_id=article_id, status=body.status), now)


@router.post("/{article_id}/uses")
def used(article_id: int, session: DbSession, principal: CurrentPrincipal, state: State) -> dict[str, int]:
    """The article answered a caller: it ranks above equal matches from now on. To record the
    demand too, create its work order with ``answer`` and ``knowledge_article_id``."""
    return {"uses": service.mark_used(session, actor=principal, now=state.clock.now(), article_id=article_id)}
