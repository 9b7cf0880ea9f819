"""A group-commit batch of intakes reads its callers, their recent orders and the outages
that absorb them once for the whole batch, and decides each order as if it came alone."""

import pytest
from sqlalchemy import event, select

from gridcare.core.errors import InvalidInput
from gridcare.group_commit import GroupCommit, _ReadingAhead
from gridcare.workorders import service
from gridcare.workorders.models import WorkOrder
from tests.outages.test_storm import call
from tests.support import area
from tests.support import org as demo_org


@pytest.fixture
def org(database, clock):
    o = demo_org.load(database, clock)
    area.load(o, clock)
    return o


def in_one_batch(db, clock, org, intakes):
    """The intakes as the commit thread runs one batch of them: together, after the batch's read-ahead."""

    def unit(intake):  # noqa: ANN202
        def take(session):  # noqa: ANN001, ANN202
            return service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=intake).order.id

        return _ReadingAhead(take, service.read_intake_ahead, (intake, clock.now()))

    return GroupCommit(db)._commit([(unit(i), None, None) for i in intakes])  # noqa: SLF001


def repair(account, **kw):
    return service.Intake(category="repair", channel="hotline", account=account, **kw)


def test_a_batch_decides_each_order_as_if_it_came_alone(database, clock, org, monkeypatch):
    monkeypatch.setenv("GRIDCARE_TRIAGE_RULES", "leaf=2")  # two callers under T2 make an outage
    master = call(database, clock, org, "E002", "a")
    call(database, clock, org, "E003", "b")
    earlier = call(database, clock, org, "E001", "c")  # T1: outside the outage, dispatched
    outcomes = in_one_batch(database, clock, org, [
        repair("E003"),
        repair(" E001 "),
        service.Intake(category="consultation", channel="hotline", account="E001"),
        repair("E404"),
        repair("E002"),
    ])
    assert isinstance(outcomes[3][1], InvalidInput) and outcomes[3][1].problems[0].field == "account"
    assert [error for i, (_value, error) in enumerate(outcomes) if i != 3] == [None] * 4
    with database.read() as session:
        found = {o.id: o for o in session.scalars(select(WorkOrder).where(WorkOrder.id.in_([v for v, _e in outcomes if v])))}
        earlier_number = session.get(WorkOrder, earlier).number
    absorbed_e003, repeat_e001, consult_e001, absorbed_e002 = (found[outcomes[i][0]] for i in (0, 1, 2, 4))
    for absorbed in (absorbed_e003, absorbed_e002):
        assert absorbed.status == "merged" and absorbed.parent_id == master and absorbed.handler_id is None
    assert repeat_e001.status == "dispatched" and repeat_e001.parent_id is None and repeat_e001.attributes["repeat_of"] == earlier_number
    assert consult_e001.status == "dispatched" and "repeat_of" not in consult_e001.attributes  # another demand


def test_a_batch_reads_once_what_its_orders_would_each_read(sqlite_database, clock):
    org = demo_org.load(sqlite_database, clock)
    area.load(org, clock)
    call(sqlite_database, clock, org, "E001", "earlier")  # a repeat to find
    seen: list[str] = []

    def trace(dbapi_connection, _record, _proxy):  # noqa: ANN001, ANN202 - every statement, the Prepared ones too
        dbapi_connection.set_trace_callback(seen.append)

    event.listen(sqlite_database.engine, "checkout", trace)
    try:
        outcomes = in_one_batch(sqlite_database, clock, org, [repair(a) for a in ("E001", "E002", "E003", "E001", "E002", "E003")])
    finally:
        event.remove(sqlite_database.engine, "checkout", trace)
    assert all(error is None for _value, error in outcomes)
    reads = [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]
    assert len([sql for sql in reads if "FROM customers" in sql]) == 1
    assert len([sql for sql in reads if "FROM work_orders" in sql]) == 1
    assert len([sql for sql in reads if "outage_customers" in sql]) == 1
