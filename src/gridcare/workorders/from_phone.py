"""Steps a handler takes on the phone page without signal (离线工单).

A rep reaches a basement switch room or a village pump house and has no signal: the phone
keeps "accepted", "arrived" and "resolved" with the time each was made and an id of its own,
and sends them in order when the signal returns. Each counts from when it was made (the
arrival deadline is met when the rep arrived, not when the phone found a mast), never from
before the order reached the status it moves on from; sent twice, it is taken once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridcare.auth.scoping import scoped
from gridcare.core import phone
from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_
from gridcare.core.principal import Principal
from gridcare.workorders import service, states, support
from gridcare.workorders.models import PhoneCommand, WorkOrder
from gridcare.workorders.records import get_order, status_since

# What a handler does at the customer's door; the desk's steps are taken with signal.
PHONE_COMMANDS = frozenset({states.Command.ACCEPT.value, states.Command.ARRIVE.value, states.Command.RESOLVE.value})
# The site as found and as left (现场照片): photos come with these steps, a few at most.
WITH_PHOTOS = frozenset({states.Command.ARRIVE.value, states.Command.RESOLVE.value})
MAX_PHOTOS = 6


def execute(
    session: Session,
    *,
    actor: Principal,
    now: datetime,
    order_id: int,
    command: str,
    args: dict[str, Any] | None = None,
    made_at: datetime | None = None,
    phone_time: datetime | None = None,
    submission: str | None = None,
    photos: Sequence[tuple[str, bytes]] = (),
    data_dir: Path | None = None,
) -> WorkOrder:
    """A command as the phone sends it: ``made_at`` by the phone's clock, ``phone_time`` that
    clock as it sent it (see ``phone.when_made``), ``submission`` its id, ``photos`` (name,
    bytes) of the site, kept in ``data_dir`` as the order's attachments. Without the phone's
    fields it is the command as given at the desk. A photo refused refuses the step."""
    submission = phone.submission_id(submission)
    if (made_at is not None or submission is not None) and command not in PHONE_COMMANDS:
        field = "made_at" if made_at is not None else "submission"
        raise InvalidInput.field(field, T_("only accepting, arriving and resolving are kept on the phone"))
    if photos and (command not in WITH_PHOTOS or data_dir is None):
        raise InvalidInput.field("photos", T_("photos come with an arrival or a resolution"))
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput.field("photos", T_("at most %(n)s photos", n=MAX_PHOTOS))
    if made_at is None and submission is None:
        order = service.execute(session, actor=actor, now=now, order_id=order_id, command=command, args=args)
        _attach(session, actor=actor, now=now, order=order, photos=photos, data_dir=data_dir, args=args or {})
        return order
    # The order's lock first: a resend racing its first try finds it written.
    order = get_order(session, actor=actor, order_id=order_id, lock=True)
    if submission is not None:
        earlier = session.scalar(select(PhoneCommand).where(PhoneCommand.submission == submission))
        if phone.sent_before(earlier, here=earlier is not None and earlier.order_id == order.id and earlier.command == command) is not None:
            return order
    made = phone.when_made(made_at, now, phone_time)
    if made.offline:
        made = phone.not_before(made, status_since(session, order))
    order = service.execute(session, actor=actor, now=now, order_id=order_id, command=command, args=args, made=made, locked=order)
    if made.offline and order.escalation_level:
        service.withdraw_needless_escalation(session, actor=actor, now=now, order=order)
    _attach(session, actor=actor, now=now, order=order, photos=photos, data_dir=data_dir, args=args or {})
    if submission is not None:
        session.add(PhoneCommand(submission=submission, order_id=order.id, command=command, made_by=actor.login, made_at=made.at, sent_at=made.sent_at, claimed_at=made.claimed_at))
    return order


def _attach(session: Session, *, actor: Principal, now: datetime, order: WorkOrder, photos: Sequence[tuple[str, bytes]], data_dir: Path | None, args: dict[str, Any]) -> None:
    if data_dir is None:  # no photos then: checked before the step
        return
    for name, data in photos:
        support.add_attachment(session, actor=actor, now=now, order_id=order.id, filename=name, data=data, data_dir=data_dir, lon=args.get("lon"), lat=args.get("lat"), field="photos")


def kept(session: Session, *, actor: Principal, since: datetime) -> list[phone.Kept]:
    """The steps taken on the phone page since ``since`` on orders in the actor's scope, as
    ``phone.habits`` reads them."""
    stmt = select(PhoneCommand.made_by, PhoneCommand.made_at, PhoneCommand.sent_at, PhoneCommand.claimed_at).join(WorkOrder, WorkOrder.id == PhoneCommand.order_id)
    stmt = scoped(stmt.where(PhoneCommand.made_at >= since), actor, org_path=WorkOrder.org_path, grid_id=WorkOrder.grid_id)
    return [phone.Kept(who, made_at, sent_at, claimed_at is not None) for who, made_at, sent_at, claimed_at in session.execute(stmt)]
