"""Who receives a message, and where: staff users, customers (with their grid rep's
signature) and grids' WeCom groups, read through the other domains' services."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.core.errors import InvalidInput, NotFound
from gridcare.core.i18n import T_
from gridcare.core.principal import system_principal
from gridcare.notify import templates
from gridcare.notify.models import WecomGroup


@dataclass(frozen=True)
class Recipient:
    kind: str
    id: int | None
    name: str
    locale: str
    org_path: str
    grid_id: int | None = None
    addresses: Mapping[str, str] = field(default_factory=dict)  # channel → phone, email, "wecom:<id>"
    signature: templates.RepSignature | None = None


def _mobile(phones: Iterable[str]) -> str:
    listed = list(phones)
    return next((p for p in listed if p.startswith("+861") and len(p) == 14), "")


def _cache(session: Session, name: str) -> dict[Any, Any]:
    """Per transaction: a batch of intakes or a storm's merges tells the same reps again
    and again, and nothing in such a transaction changes who they are."""
    return session.info.setdefault(f"notify.{name}", {})


def user_recipient(session: Session, *, user_id: int) -> Recipient:
    known = _cache(session, "users")
    if user_id not in known:
        known[user_id] = _user_recipient(session, user_id=user_id)
    return known[user_id]


def _user_recipient(session: Session, *, user_id: int) -> Recipient:
    from gridcare.auth import service as auth

    user = auth.contact(session, user_id=user_id)
    if user is None:
        raise InvalidInput.field("user_id", T_("no user %(id)s", id=user_id))
    phone = user.phone or ""
    return Recipient(
        kind="user",
        id=user.id,
        name=user.display_name,
        locale=user.locale if user.locale in templates.LOCALES else templates.DEFAULT_LOCALE,
        org_path=user.org_path,
        addresses={"popup": f"user:{user.id}", "sms": phone, "voice": phone, "email": user.email or ""},
    )


def rep_signature(session: Session, *, grid_id: int | None, utility: str | None = None) -> templates.RepSignature | None:
    """The grid rep's name and phone for the end of a customer SMS."""
    from gridcare.auth import service as auth
    from gridcare.customers.phones import display_phone
    from gridcare.grids import service as grids

    if grid_id is None:
        return None
    # The cached summary when the utility is known (a storm's merged calls each sign one SMS).
    grid: Any = grids.summary(session, grid_id=grid_id, utility=utility) if utility is not None else None
    if grid is None:
        try:
            grid = grids.get_grid(session, actor=system_principal("notify"), grid_id=grid_id)
        except NotFound:
            return None
    rep = auth.contact(session, user_id=grid.rep_id) if grid.rep_id else None
    if rep is None:
        return None
    return templates.RepSignature(rep.display_name, display_phone(rep.phone) if rep.phone else "")


def customer_recipients(session: Session, customers: Iterable[Any], *, signatures: dict[int | None, Any] | None = None) -> list[Recipient]:
    """Recipients for customer rows, reading their phones in one query."""
    from gridcare.customers import service as customer_service

    rows = list(customers)
    phones = customer_service.phones_of(session, customer_ids=[c.id for c in rows])
    signatures = _cache(session, "signatures") if signatures is None else signatures
    found = []
    for c in rows:
        if c.grid_id not in signatures:
            signatures[c.grid_id] = rep_signature(session, grid_id=c.grid_id, utility=c.utility)
        listed = phones.get(c.id, [])
        attrs = c.attributes or {}
        locale = attrs.get("locale") if attrs.get("locale") in templates.LOCALES else templates.DEFAULT_LOCALE
        found.append(
            Recipient(
                kind="customer",
                id=c.id,
                name=c.name,
                locale=locale,
                org_path=c.org_path,
                grid_id=c.grid_id,
                addresses={"sms": _mobile(listed), "voice": listed[0] if listed else "", "email": str(attrs.get("email") or "")},
                signature=signatures[c.grid_id],
            )
        )
    return found


def group_recipients(session: Session, *, grid_id: int) -> list[Recipient]:
    from gridcare.grids import service as grids

    grid = grids.get_grid(session, actor=system_principal("notify"), grid_id=grid_id)
    groups = session.scalars(select(WecomGroup).where(WecomGroup.grid_id == grid_id, WecomGroup.enabled.is_(True)).order_by(WecomGroup.id))
    return [Recipient(kind="grid_group", id=g.id, name=g.name, locale=templates.DEFAULT_LOCALE, org_path=grid.org_path, grid_id=grid_id, addresses={"wecom": f"wecom:{g.id}"}) for g in groups]
