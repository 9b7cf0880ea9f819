"""Tables of the knowledge base: articles, each serving the organisation node it was published
at and everything below it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, UTCDateTime


class Article(Base):
    """``uses`` counts the calls an agent marked it as the answer for: ties in a search go to
    the article that has helped most. ``question_id`` is the expert's answer it was written
    from, if any."""

    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[str] = mapped_column(String(400), default="")
    topic: Mapped[str] = mapped_column(String(40), default="", index=True)
    utility: Mapped[str | None] = mapped_column(String(10))  # None: both
    org_path: Mapped[str] = mapped_column(String(400), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # draft | published | retired
    uses: Mapped[int] = mapped_column(Integer, default=0)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("work_order_questions.id", ondelete="SET NULL"), index=True)
    review_by: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Term(Base):
    """The search index: each word, character pair and piece of an article (``rules.terms``),
    with the weight of the field it counts in. A search reads the rows of its query's parts
    instead of every article's text."""

    __tablename__ = "knowledge_terms"

    term: Mapped[str] = mapped_column(String(40), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"), primary_key=True, index=True)
    weight: Mapped[int] = mapped_column(SmallInteger)


class Use(Base):
    """A caller answered with an article: by whom, when, and the work order that records the
    demand (none when the agent only marked it). The article page shows the demands it
    answered, so a writer sees what callers really ask it for."""

    __tablename__ = "knowledge_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id", ondelete="SET NULL"), index=True)
    used_by: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())
