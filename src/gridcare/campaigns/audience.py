"""Reads of the customers domain's tables that its service lacks: customer ids by grid, by
tag, and customer rows by id (read-only; the customers domain still owns the tables)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.customers.models import Customer, CustomerTag
from gridcare.db import batches

CHUNK = 500  # stay under SQLite's bound-parameter limit


def _chunks(ids: Iterable[int]) -> Iterator[Sequence[int]]:
    return batches(sorted(set(ids)), CHUNK)


def in_grids(session: Session, *, grid_ids: Iterable[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(grid_ids):
        found.update(session.scalars(select(Customer.id).where(Customer.grid_id.in_(chunk))))
    return found


def with_tag(session: Session, *, tag: str) -> set[int]:
    return set(session.scalars(select(CustomerTag.customer_id).where(CustomerTag.tag == tag)))


def grid_of(session: Session, *, customer_ids: Iterable[int]) -> dict[int, int | None]:
    found: dict[int, int | None] = {}
    for chunk in _chunks(customer_ids):
        found.update({r.id: r.grid_id for r in session.execute(select(Customer.id, Customer.grid_id).where(Customer.id.in_(chunk)))})
    return found


def rows(session: Session, *, customer_ids: Sequence[int]) -> Iterator[list[Customer]]:
    """Customer rows in id order, a chunk at a time (a campaign may reach tens of thousands)."""
    for chunk in _chunks(customer_ids):
        yield list(session.scalars(select(Customer).where(Customer.id.in_(chunk)).order_by(Customer.id)))
