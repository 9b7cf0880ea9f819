"""Use cases of the knowledge base: search it, read an article, write and revise one (from
scratch or from an expert's answer), publish, retire, and count a use on a call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, or_, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from gridcare.audit import service as audit
from gridcare.core.errors import FieldProblem, Forbidden, InvalidInput, NotFound
from gridcare.core.i18n import T_, Label
from gridcare.core.principal import Principal
from gridcare.knowledge import rules
from gridcare.knowledge.models import Article, Term, Use

# Articles whose text a search ranks at most: the best by the index's weights.
CANDIDATES = 200


@dataclass(frozen=True)
class Hit:
    article: Article
    score: int
    passage: rules.Passage


def _require_read(actor: Principal) -> None:
    if not rules.may_read(actor):
        raise Forbidden(T_("role %(role)s may not read the knowledge base", role=Label("role", actor.role.value)))


def require_write(actor: Principal) -> None:
    if not rules.may_write(actor):
        raise Forbidden(T_("role %(role)s may not write in the knowledge base", role=Label("role", actor.role.value)))


def _ancestors(path: str) -> list[str]:
    """"/1/4/" -> ["/", "/1/", "/1/4/"]."""
    nodes = [n for n in path.split("/") if n]
    return ["/"] + ["/" + "/".join(nodes[: i + 1]) + "/" for i in range(len(nodes))]


def _visible(stmt: Select[Any], actor: Principal) -> Select[Any]:
    """``rules.sees`` in SQL: published articles where they apply; for a writer, also the
    others at their node or below."""
    below = Article.org_path.startswith(actor.org_path, autoescape=True)
    stmt = stmt.where(or_(Article.org_path.in_(_ancestors(actor.org_path)), below))
    if rules.may_write(actor):
        return stmt.where(or_(Article.status == "published", below))
    return stmt.where(Article.status == "published")


def get(session: Session, *, actor: Principal, article_id: int, lock: bool = False) -> Article:
    _require_read(actor)
    stmt = _visible(select(Article).where(Article.id == article_id), actor)
    found = session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise NotFound(T_("article_id: no article %(id)s in your knowledge base", id=article_id))
    return found


def _writable(session: Session, actor: Principal, article_id: int) -> Article:
    """An article the actor may change: published at their node or below it, not above."""
    require_write(actor)
    article = get(session, actor=actor, article_id=article_id, lock=True)
    if not rules.may_change(actor, article.org_path):
        raise Forbidden(T_("article_id: the article was published above your organisation; ask who published it"))
    return article


def search(
    session: Session, *, actor: Principal, text: str = "", topic: str = "", utility: str = "", status: str | None = None, due: bool = False, now: datetime | None = None, limit: int = 20
) -> list[Hit]:
    """Articles answering ``text``, best first (with no text: the most used, then the newest).
    The index names the articles holding the query's pairs and words (a Latin word also as the
    start of a longer one: "meter" finds "meters"), best by its weights;
    the best CANDIDATES of those are ranked by ``rules.score`` on their text. A query with no
    part the index holds (one character) reads the text of every article instead.
    ``due`` keeps those whose review date has passed (``now`` is then required)."""
    _require_read(actor)
    asked = rules.query(text)
    columns = (Article.id, Article.title, Article.keywords, Article.body, Article.uses)
    stmt = _visible(select(*columns), actor).where(Article.status.in_(rules.shown_statuses(actor, status)))
    if topic:
        stmt = stmt.where(Article.topic == topic)
    if utility:
        stmt = stmt.where(or_(Article.utility.is_(None), Article.utility == utility))
    if due and now is not None:
        stmt = stmt.where(Article.review_by <= now)
    if not asked:
        order = [(row.id, 0) for row in session.execute(stmt.order_by(Article.uses.desc(), Article.id.desc()).limit(limit))]
    else:
        in_index = [p for p in rules.indexed(asked) if len(p) >= 2]
        if in_index:
            starts = rules.prefixed(asked)
            exact = [p for p in in_index if p not in starts]
            matches = [Term.term.in_(exact)] if exact else []
            matches += [and_(Term.term >= p, Term.term < rules.after_prefix(p)) for p in starts]  # a range: the index serves it
            found = select(Term.article_id, func.sum(Term.weight).label("weight")).where(or_(*matches)).group_by(Term.article_id).subquery()
            stmt = stmt.join(found, found.c.article_id == Article.id).order_by(found.c.weight.desc(), Article.uses.desc(), Article.id.desc())
        else:
            stmt = stmt.where(or_(*(column.icontains(part, autoescape=True) for part in asked.parts for column in (Article.title, Article.keywords, Article.body))))
            stmt = stmt.order_by(Article.uses.desc(), Article.id.desc())
        order = rules.ranked(asked, session.execute(stmt.limit(CANDIDATES)), limit=limit)
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_([i for i, _s in order])))}
    return [Hit(articles[i], s, rules.passage(articles[i].body, asked)) for i, s in order]


def _index(session: Session, article: Article) -> None:
    """The article's rows in the search index, anew."""
    session.execute(delete(Term).where(Term.article_id == article.id))
    rows = [{"term": term, "article_id": article.id, "weight": weight} for term, weight in rules.terms(title=article.title, keywords=article.keywords, body=article.body).items()]
    if rows:
        # A Core insert of the table: hundreds of rows per article, and the ORM's bulk path
        # spent three times the database's own time preparing them.
        session.connection().execute(insert(Term.__table__), rows)


def topics(session: Session, *, actor: Principal) -> list[str]:
    """The topics of the articles the actor sees, for the search's filter and the writer's list."""
    _require_read(actor)
    stmt = _visible(select(Article.topic).where(Article.topic != "", Article.status != "retired"), actor)
    return sorted(set(session.scalars(stmt)))


def count_due_review(session: Session, *, actor: Principal, now: datetime) -> int:
    """Published articles the actor keeps (at their node or below) past their review date."""
    if not rules.may_write(actor):
        return 0
    stmt = select(func.count(Article.id)).where(Article.org_path.startswith(actor.org_path, autoescape=True), Article.status == "published", Article.review_by <= now)
    return session.scalar(stmt) or 0


def _view(article: Article) -> dict[str, Any]:
    return {"title": article.title, "status": article.status, "topic": article.topic, "utility": article.utility, "keywords": article.keywords,
            "review_by": article.review_by.isoformat(), "body_chars": len(article.body)}


def _checked(*, title: str, body: str, keywords: str, topic: str, utility: str | None, review_by: datetime | None, now: datetime, status: str) -> list[FieldProblem]:
    found = rules.problems(title=title, body=body, keywords=keywords, topic=topic, utility=utility, review_by=review_by, now=now)
    if status not in ("draft", "published"):
        found.append(FieldProblem("status", T_("must be one of %(choices)s", choices="draft, published")))
    return found


def write(
    session: Session, *, actor: Principal, now: datetime, title: str, body: str, keywords: str = "", topic: str = "", utility: str | None = None,
    review_by: datetime | None = None, status: str = "published", question_id: int | None = None, order_id: int | None = None,
) -> Article:
    """A new article at the writer's organisation node, published or kept as a draft.
    ``question_id`` is the expert's answer it was written from, ``order_id`` the demand an
    agent answered by hand it was written from (both in the writer's scope): that demand
    counts as answered by the article, so it leaves the list of answers the base lacks."""
    require_write(actor)
    problems = _checked(title=title, body=body, keywords=keywords, topic=topic, utility=utility, review_by=review_by, now=now, status=status)
    if problems:
        raise InvalidInput.many(problems)
    if question_id is not None:
        from gridcare.workorders import support

        support.get_question(session, actor=actor, question_id=question_id)
    if order_id is not None and _answered_demand(session, actor, order_id) is None:
        raise InvalidInput.field("order_id", _no_answered_demand(order_id))
    article = Article(
        title=title.strip(), body=body.strip(), keywords="；".join(rules.keyword_list(keywords)), topic=topic.strip(), utility=utility or None, org_path=actor.org_path,
        status=status, uses=0, question_id=question_id, review_by=rules.next_review(now, review_by), created_by=actor.login, created_at=now, updated_by=actor.login, updated_at=now,
    )
    session.add(article)
    session.flush()
    if order_id is not None:
        session.add(Use(article_id=article.id, order_id=order_id, used_by=actor.login, used_at=now))
    _index(session, article)
    audit.record(session, actor=actor, at=now, action="knowledge.write", entity="knowledge_article", entity_id=article.id, after=_view(article), org_path=article.org_path, new_stream=True)
    return article


def revise(
    session: Session, *, actor: Principal, now: datetime, article_id: int, title: str, body: str, keywords: str = "", topic: str = "", utility: str | None = None,
    review_by: datetime | None = None,
) -> Article:
    """New text for an article; its review date moves a year on unless one is given (whoever
    revised it has read it again)."""
    article = _writable(session, actor, article_id)
    status = "published" if article.status == "retired" else article.status
    problems = _checked(title=title, body=body, keywords=keywords, topic=topic, utility=utility, review_by=review_by, now=now, status=status)
    if problems:
        raise InvalidInput.many(problems)
    before = _view(article)
    article.title, article.body, article.keywords, article.topic = title.strip(), body.strip(), "；".join(rules.keyword_list(keywords)), topic.strip()
    article.utility, article.review_by = utility or None, rules.next_review(now, review_by)
    article.updated_by, article.updated_at = actor.login, now
    session.flush()
    _index(session, article)
    audit.record(session, actor=actor, at=now, action="knowledge.revise", entity="knowledge_article", entity_id=article.id, before=before, after=_view(article), org_path=article.org_path)
    return article


def set_status(session: Session, *, actor: Principal, now: datetime, article_id: int, status: str) -> Article:
    """Publish a draft, retire an article that no longer holds (it leaves every search), or
    take one back to draft."""
    if status not in rules.STATUSES:
        raise InvalidInput.field("status", T_("must be one of %(choices)s", choices=", ".join(rules.STATUSES)))
    article = _writable(session, actor, article_id)
    if article.status == status:
        return article
    before = _view(article)
    article.status, article.updated_by, article.updated_at = status, actor.login, now
    if status == "published" and article.review_by <= now:
        article.review_by = rules.next_review(now, None)
    session.flush()
    audit.record(session, actor=actor, at=now, action=f"knowledge.{status}", entity="knowledge_article", entity_id=article.id, before=before, after=_view(article), org_path=article.org_path)
    return article


def mark_used(session: Session, *, actor: Principal, now: datetime, article_id: int, order_id: int | None = None) -> int:
    """An agent answered a caller with the article (``order_id``: the work order recording the
    demand): it ranks above equal matches from now on. One UPDATE, so agents marking the same
    article at once each count."""
    article = get(session, actor=actor, article_id=article_id)
    if article.status != "published":
        raise InvalidInput.field("article_id", T_("only a published article answers callers"))
    count_use(session, actor=actor, now=now, article_id=article.id, order_id=order_id)
    session.flush()
    session.refresh(article)
    return article.uses


def count_use(session: Session, *, actor: Principal, now: datetime, article_id: int, order_id: int | None) -> None:
    """The writes of a use, for a caller that has already read the article and found it
    published (intake answering with it)."""
    session.execute(Article.__table__.update().where(Article.id == article_id).values(uses=Article.uses + 1))
    session.add(Use(article_id=article_id, order_id=order_id, used_by=actor.login, used_at=now))


def answered_with(session: Session, *, actor: Principal, order_id: int) -> list[Article]:
    """The articles a work order's demand was answered with, those the reader may open."""
    return answered_with_each(session, actor=actor, order_ids=[order_id]).get(order_id, [])


def answered_with_each(session: Session, *, actor: Principal, order_ids: list[int]) -> dict[int, list[Article]]:
    """Per work order among ``order_ids``, the articles its demand was answered with that the
    reader may open (a list of answered demands reads them at once)."""
    if not order_ids or not rules.may_read(actor):
        return {}
    stmt = _visible(select(Use.order_id, Article).join(Use, Use.article_id == Article.id).where(Use.order_id.in_(order_ids)), actor)
    out: dict[int, list[Article]] = {}
    for order_id, article in session.execute(stmt.order_by(Use.id)):
        if article not in out.setdefault(order_id, []):
            out[order_id].append(article)
    return out


@dataclass(frozen=True)
class Answered:
    """A demand an article answered: when, by whom, and its work order's id (None: marked
    without one)."""

    used_at: datetime
    used_by: str
    order_id: int | None


def answered_demands(session: Session, *, actor: Principal, article_id: int, limit: int = 20) -> list[Answered]:
    """The latest demands the article answered, newest first: its page shows what callers ask
    it for. The caller filters the work orders by what the reader may open."""
    get(session, actor=actor, article_id=article_id)
    rows = session.execute(select(Use.used_at, Use.used_by, Use.order_id).where(Use.article_id == article_id).order_by(Use.id.desc()).limit(limit))
    return [Answered(*row) for row in rows]


def import_articles(session: Session, *, actor: Principal, now: datetime, data: bytes, progress: Callable[[str, int, int], None] | None = None) -> int:
    """Publish one article per row of a spreadsheet (see ``importing``): every row or none; each
    bad row is named by its line and column."""
    from gridcare.knowledge import importing

    require_write(actor)
    rows = importing.read(data)
    problems = [importing.at_line(row.line, p.field, p.reason)
                for row in rows for p in rules.problems(title=row.title, body=row.body, keywords=row.keywords, topic=row.topic, utility=row.utility, review_by=None, now=now)]
    if problems:
        raise InvalidInput.many(problems[: importing.MAX_PROBLEMS])
    for n, row in enumerate(rows, start=1):
        write(session, actor=actor, now=now, title=row.title, body=row.body, keywords=row.keywords, topic=row.topic, utility=row.utility)
        if progress is not None:
            progress("articles", n, len(rows))
    if session.get_bind().dialect.name == "postgresql":
        # Thousands of new index rows at once: without fresh statistics PostgreSQL plans the
        # next searches as for an empty table (six times slower until autovacuum looks).
        session.execute(sql("ANALYZE knowledge_terms"))
    return len(rows)


def export_csv(session: Session, *, actor: Principal) -> tuple[bytes, int]:
    """The articles the actor sees, not retired, as a spreadsheet ``import_articles`` reads
    back, and how many they are."""
    from gridcare.knowledge import importing

    _require_read(actor)
    stmt = _visible(select(Article.title, Article.body, Article.keywords, Article.topic, Article.utility).where(Article.status != "retired"), actor)
    rows = [tuple(r) for r in session.execute(stmt.order_by(Article.topic, Article.id))]
    return importing.as_csv(rows), len(rows)


def draft_from_question(session: Session, *, actor: Principal, question_id: int) -> dict[str, Any]:
    """What a new article written from an expert's answer starts with: the question as its
    title and the answer as its body."""
    from gridcare.workorders import support

    require_write(actor)
    question, _order = support.get_question(session, actor=actor, question_id=question_id)
    if not question.answer:
        raise InvalidInput.field("question_id", T_("the question has no answer yet"))
    first_line = " ".join(question.question.split())
    title = first_line if len(first_line) <= rules.TITLE_MAX else first_line[: rules.TITLE_MAX - 1] + "…"
    return {"title": title, "body": question.answer, "keywords": "", "topic": "", "utility": None, "question_id": question.id, "order_id": None}


# How far back the answers the base lacks are looked for, and how many are read to find them.
GAP_DAYS = 30
GAP_READ = 500


def _no_answered_demand(order_id: int) -> Any:
    return T_("no demand %(id)s answered at intake in your scope", id=order_id)


def _answered_demand(session: Session, actor: Principal, order_id: int) -> Any:
    from gridcare.workorders import queries as orders

    found = orders.answered_at_intake(session, actor=actor, ids=[order_id], limit=1)
    return found[0] if found else None


def answered_by_hand(session: Session, *, actor: Principal, now: datetime, limit: int = 20) -> list[Any]:
    """What the base lacks: demands agents answered at intake in the last ``GAP_DAYS`` days with
    no article (typed answers), newest first (workorders.queries.AnsweredDemand). A writer turns
    one into an article (``draft_from_order``); the demand then counts as the article's."""
    from gridcare.workorders import queries as orders

    require_write(actor)
    found = orders.answered_at_intake(session, actor=actor, since=now - timedelta(days=GAP_DAYS), limit=GAP_READ)
    covered = set(session.scalars(select(Use.order_id).where(Use.order_id.in_([d.id for d in found])))) if found else set()
    return [d for d in found if d.id not in covered][:limit]


def draft_from_order(session: Session, *, actor: Principal, order_id: int) -> dict[str, Any]:
    """What a new article written from an answer an agent typed starts with: the caller's
    question as its title, the answer as its body, the demand's utility."""
    require_write(actor)
    demand = _answered_demand(session, actor, order_id)
    if demand is None:
        raise NotFound(_no_answered_demand(order_id))
    first_line = " ".join(demand.question.split()) or demand.answer[: rules.TITLE_MAX]
    title = first_line if len(first_line) <= rules.TITLE_MAX else first_line[: rules.TITLE_MAX - 1] + "…"
    return {"title": title, "body": demand.answer, "keywords": "", "topic": "", "utility": demand.utility if demand.utility in ("electric", "water") else None, "question_id": None, "order_id": demand.id}


def written_from(session: Session, *, actor: Principal, question_ids: Sequence[int]) -> dict[int, int]:
    """Question id -> the article written from it that the actor may open, for an order
    page's "in the knowledge base" links."""
    if not question_ids or not rules.may_read(actor):
        return {}
    stmt = _visible(select(Article.question_id, Article.id).where(Article.question_id.in_(list(question_ids)), Article.status != "retired"), actor)
    return {question_id: article_id for question_id, article_id in session.execute(stmt)}
