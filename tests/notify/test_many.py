"""Many customers told at once (a storm's merged callers, an outage's area): the same
messages, in the same order and rate windows, as telling them one by one; a message
recorded before is not recorded again; a customer that does not exist fails the call."""

import pytest
from sqlalchemy import delete, select

from gridcare.core.errors import NotFound
from gridcare.notify import service
from gridcare.notify.models import Notification
from gridcare.outbox import OutboxRow
from tests.notify.conftest import config, customer_id, notify_settings

COLUMNS = ("dedupe_key", "event", "channel", "recipient_kind", "recipient_id", "recipient_name", "address", "locale", "subject", "body", "context", "urgent", "state", "source_kind", "source_id", "org_path", "grid_id", "scheduled_at", "rate_window")


def _recorded_and_cleared(db):
    """The messages recorded, each with its outbox row's queue and due time; then none."""
    with db.write() as session:
        queued = {o.payload["id"]: (o.key, o.available_at) for o in session.scalars(select(OutboxRow).where(OutboxRow.topic == service.TOPIC))}
        found = [({c: getattr(n, c) for c in COLUMNS}, queued[n.id]) for n in session.scalars(select(Notification).order_by(Notification.id))]
        session.execute(delete(OutboxRow))
        session.execute(delete(Notification))
    return found


@pytest.mark.parametrize("urgent", [False, True])
def test_many_at_once_record_what_one_by_one_records(database, clock, world, tmp_path, urgent):
    # 22:30, quiet hours, 2 SMS a minute: the plain messages wait for the morning, the urgent
    # ones fill tonight's windows two by two.
    clock.set(clock.now().replace(hour=14, minute=30, second=0, microsecond=0))  # 22:30 in Shanghai
    settings = notify_settings(database, tmp_path, notify_quiet_hours="21:00-08:00", notify_rate_limits="sms=2/min")
    ids = [customer_id(database, a) for a in ("E001", "E002", "E003", "W001", "E002")]
    context = [{"number": f"GD-{n}", "parent": "GD-0"} for n in range(len(ids))]
    with database.write() as session:
        one_ids = [service.notify_customer(session, now=clock.now(), customer_id=cid, event="order.merged", context=context[n], urgent=urgent, source=("order", n), config=config(settings))[0] for n, cid in enumerate(ids)]
    one = _recorded_and_cleared(database)
    with database.write() as session:
        many_ids = service.notify_customers(session, now=clock.now(), event="order.merged", messages=[service.CustomerMessage(cid, context[n], ("order", n)) for n, cid in enumerate(ids)], urgent=urgent, config=config(settings))
    many = _recorded_and_cleared(database)
    assert len(set(one_ids)) == len(set(many_ids)) == 5
    assert many == one
    states = [m[0]["state"] for m in many]
    assert states == (["queued", "queued", "deferred", "deferred", "deferred"] if urgent else ["deferred"] * 5)
    first = many[0][0]
    assert "GD-0" in first["body"] and "张台区经理" in first["body"] and first["address"] == "+8613812345678"  # the rep's signature, the caller's mobile


def test_a_message_recorded_before_or_twice_in_the_batch_is_one_message(database, clock, world, tmp_path):
    settings = notify_settings(database, tmp_path)
    e1, e2 = customer_id(database, "E001"), customer_id(database, "E002")
    with database.write() as session:
        [earlier] = service.notify_customer(session, now=clock.now(), customer_id=e1, event="order.merged", context={"number": "GD-1", "parent": "GD-9"}, source=("order", 1), config=config(settings))
    with database.write() as session:
        made = service.notify_customers(
            session, now=clock.now(), event="order.merged", config=config(settings),
            messages=[service.CustomerMessage(e1, {"number": "GD-1", "parent": "GD-9"}, ("order", 1)), service.CustomerMessage(e2, {"number": "GD-2", "parent": "GD-9"}, ("order", 2)), service.CustomerMessage(e2, {"number": "GD-2", "parent": "GD-9"}, ("order", 2))],
        )
    assert made[0] == earlier and made[1] == made[2] != earlier
    with database.read() as session:
        assert session.scalars(select(Notification.source_id).order_by(Notification.id)).all() == [1, 2]
        assert sorted(o.payload["id"] for o in session.scalars(select(OutboxRow).where(OutboxRow.topic == service.TOPIC))) == sorted({earlier, made[1]})


def test_a_customer_that_does_not_exist_fails_the_call_and_nothing_is_recorded(database, clock, world, tmp_path):
    settings = notify_settings(database, tmp_path)
    e1 = customer_id(database, "E001")
    with pytest.raises(NotFound, match=r"customer_id: no customer 987654"), database.write() as session:
        service.notify_customers(session, now=clock.now(), event="order.merged", config=config(settings), messages=[service.CustomerMessage(e1, {"number": "GD-1", "parent": "GD-9"}, ("order", 1)), service.CustomerMessage(987654, {"number": "GD-2", "parent": "GD-9"}, ("order", 2))])
    with database.read() as session:
        assert session.scalars(select(Notification.id)).all() == [] and session.scalars(select(OutboxRow.id)).all() == []


def test_a_message_another_writer_records_meanwhile_is_taken_not_doubled(postgres_database, clock, tmp_path):
    """Between the batch's look-up and its insert another transaction commits one of its
    messages: the insert skips that row and the batch answers with the other's id."""
    from sqlalchemy import event

    from gridcare.config import load_settings
    from gridcare.main import load_plugins
    from tests.support import area
    from tests.support import org as demo_org

    org = demo_org.load(postgres_database, clock)
    area.load(org, clock)
    load_plugins(load_settings())
    settings = notify_settings(postgres_database, tmp_path)
    e1, e2 = customer_id(postgres_database, "E001"), customer_id(postgres_database, "E002")
    raced: list[int] = []

    def race(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT notifications.dedupe_key") and not raced:
            with postgres_database.write() as other:
                raced.extend(service.notify_customer(other, now=clock.now(), customer_id=e2, event="order.merged", context={"number": "GD-2", "parent": "GD-9"}, source=("order", 2), config=config(settings)))

    event.listen(postgres_database.engine, "after_cursor_execute", race)
    try:
        with postgres_database.write() as session:
            made = service.notify_customers(
                session, now=clock.now(), event="order.merged", config=config(settings),
                messages=[service.CustomerMessage(e1, {"number": "GD-1", "parent": "GD-9"}, ("order", 1)), service.CustomerMessage(e2, {"number": "GD-2", "parent": "GD-9"}, ("order", 2))],
            )
    finally:
        event.remove(postgres_database.engine, "after_cursor_execute", race)
    assert made[1] == raced[0] and made[0] != made[1]
    with postgres_database.read() as session:
        assert session.scalars(select(Notification.source_id).order_by(Notification.source_id)).all() == [1, 2]
        assert len(session.scalars(select(OutboxRow.id).where(OutboxRow.topic == service.TOPIC)).all()) == 2
