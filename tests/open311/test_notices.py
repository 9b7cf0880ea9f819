"""A search's outage notices: each open request is told of the outage it is inside, a planned
one counting from the local day it starts on; the outages of the whole span searched are read
at once, so a 90-day search costs the queries of a one-day one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import event, select

from gridcare.core.clock import SHANGHAI, to_local
from gridcare.customers.models import Customer
from gridcare.open311 import service as open311
from gridcare.outages import service as outages


def per_day_notices(session, orders, locale="zh_CN"):
    """The notices as they were given before: outages read once per local day of requests."""
    by_day: dict[date, list] = {}
    for order in orders:
        if order.customer_id is not None and order.closed_at is None:
            by_day.setdefault(to_local(order.created_at).date(), []).append(order)
    notices = {}
    for same_day in by_day.values():
        found = outages.outages_covering(session, customer_ids=[o.customer_id for o in same_day], now=same_day[0].created_at)
        for order in same_day:
            first = next((o for o in found if order.customer_id in o["customer_ids"]), None)
            if first is not None:
                notices[order.number] = open311._outage_text(first, locale)
    return notices


def counted(database, read):
    statements: list[str] = []

    def seen(_conn, _cursor, sql, *_rest) -> None:
        statements.append(sql)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        answer = read()
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    return answer, len(statements)


def test_a_90_day_search_gives_each_request_its_days_notice_in_the_queries_of_one_day(database, clock, world):
    now = clock.now()
    today = to_local(now).date()

    def local(days: int, hour: int) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour), tzinfo=SHANGHAI)

    supervisor = world.principal("supervisor")
    with database.write() as session:
        first = local(-89, 8)
        outages.create_outage(session, actor=supervisor, now=first, utility="electric", kind="unplanned", devices=["SW1"], area="东段抢修", eta=now + timedelta(hours=3))
        for area, day in (("西段检修一", -40), ("西段检修二", -20), ("东段检修", 3)):
            device = "T2" if day > 0 else "T1"
            outages.create_outage(session, actor=supervisor, now=first, utility="electric", kind="planned", devices=[device], area=area, starts_at=local(day, 14), ends_at=local(day, 18))
        key = open311.create_key(session, now=first, name="span")
        actor = open311.principal_for_key(session, key=key)
        for day in range(-89, 1):
            for account in ("E001", ("E002", "E003", "W001")[day % 3]):
                open311.post_request(session, actor=actor, now=local(day, 9), form={"service_code": "consultation", "account_id": account, "description": "停电吗"})

    def search(start):
        with database.read() as session:
            orders = open311.search(session, now=now, ids=(), service_code=None, status=None, start=start, end=now)
            notices, statements = counted(database, lambda: open311.outage_notices(session, orders))
            return orders, notices, statements, per_day_notices(session, orders)

    orders, notices, many, before = search(now - timedelta(days=90))
    assert len({to_local(o.created_at).date() for o in orders}) == 90 and len(orders) == 180
    assert notices == before
    with database.read() as session:
        accounts = dict(session.execute(select(Customer.id, Customer.account)).all())
    told = {(accounts[o.customer_id], (to_local(o.created_at).date() - today).days): notices.get(o.number, "") for o in orders}
    # E001: nothing before the first planned outage's day, from that morning on the latest that began
    assert told[("E001", -41)] == "" and "西段检修一" in told[("E001", -40)] and "西段检修一" in told[("E001", -21)]
    assert "西段检修二" in told[("E001", -20)] and "西段检修二" in told[("E001", 0)]
    # E002 and E003 are in the unplanned outage every day; the one planned for their feeder in 3 days is not yet theirs
    assert all("东段抢修" in text for (account, _), text in told.items() if account in ("E002", "E003"))
    assert all(text == "" for (account, _), text in told.items() if account == "W001")

    _, one_day, one, _ = search(local(0, 0))
    assert one_day and one == many >= 1

