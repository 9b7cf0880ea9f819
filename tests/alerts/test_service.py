"""Alert use cases on both databases: raise from real orders, dedupe, notify the grid's
supervisors, acknowledge with a note (audited), close, and take a tag suggestion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gridcare.alerts import queries, service
from gridcare.alerts.models import Alert
from gridcare.audit.models import AuditEntry
from gridcare.core.errors import Conflict, InvalidInput, NotFound
from tests.alerts.conftest import alert_messages, take


def _alerts(db, **where) -> list[Alert]:
    with db.read() as session:
        stmt = select(Alert).order_by(Alert.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(Alert, k) == v)
        rows = list(session.scalars(stmt))
        session.expunge_all()
        return rows


def test_it_raises_a_spike_once_and_tells_the_supervisor_of_the_grids_company(world, database, clock):
    now = clock.now()
    for w in range(1, 9):
        take(database, at=now - timedelta(days=1, weeks=w), account="E001")  # Mondays
    take(database, at=now - timedelta(days=1), account="E001", n=8)  # yesterday, Monday 09:00
    with database.write() as session:
        result = service.scan(session, now=now, hourly=False, with_rules=False)
    assert result.raised == 1 and result.cells > 0
    [alert] = _alerts(database)
    assert (alert.kind, alert.grid_code, alert.category, alert.status) == ("spike", "E-WEST", "repair", "open")
    assert alert.observed == 8 and alert.expected == pytest.approx(1.0)
    assert alert.evidence["history"] == [1] * 8 and alert.evidence["upper"] < 8
    # The electric company's supervisor, not the water one's.
    told = alert_messages(database, alert.id)
    assert [m.recipient_id for m in told] == [world.user_id("supervisor")] and "8 单" in told[0].body
    with database.write() as session:
        again = service.scan(session, now=now + timedelta(hours=2), hourly=False, with_rules=False)
    assert again.raised == 0 and len(_alerts(database)) == 1 and len(alert_messages(database, alert.id)) == 1
    with database.read() as session:
        behind = queries.orders_behind(session, actor=world.principal("supervisor"), alert=session.get(Alert, alert.id))
    assert len(behind) == 8 and all(o["category"] == "repair" for o in behind)


def test_a_supervisor_who_reads_english_is_told_in_english(world, database, clock):
    from gridcare.auth import service as auth

    now = clock.now()
    with database.write() as session:
        auth.set_locale(session, actor=world.principal("supervisor"), now=now, locale="en")
    take(database, at=now - timedelta(days=1), account="E001", n=8)
    with database.write() as session:
        service.scan(session, now=now, hourly=False, with_rules=False)
    [alert] = _alerts(database)
    assert "故障报修工单异常增多：8 单" in alert.title  # the stored one stays Chinese
    [told] = alert_messages(database, alert.id)
    assert told.subject.startswith("Alert: ") and "Repair orders up to 8" in told.body and "工单" not in told.body


def test_it_flags_the_repair_hour_of_a_storm(world, database, clock):
    now = clock.now()
    take(database, at=now - timedelta(hours=2), account="E002", n=6)  # 07:xx today
    with database.write() as session:
        result = service.scan(session, now=now, since=now - timedelta(hours=3), daily=False, with_rules=False)
    [alert] = _alerts(database)
    assert result.raised == 1 and alert.grid_code == "E-EAST" and alert.evidence["hour"] == 7 and alert.observed == 6
    assert len(alert.evidence["history"]) == 8 * 7
    with database.write() as session, pytest.raises(InvalidInput) as refused:
        service.apply_sensitive_tag(session, actor=world.principal("supervisor"), now=now, alert_id=alert.id)
    assert refused.value.detail == f"alert_id: alert {alert.id} suggests no tag (it is a spike alert)"
    assert refused.value.explained("zh_CN") == f"alert_id：预警 {alert.id} 没有建议的标记（这是一条“工单量异常”预警）"


def test_it_suggests_the_sensitive_tag_and_applies_it_in_one_step(world, database, clock):
    now = clock.now()
    for d in (20, 10, 1):
        take(database, at=now - timedelta(days=d), account="E001", category="complaint")
    with database.write() as session:
        service.scan(session, now=now, hourly=False, daily=False)
    [alert] = _alerts(database, kind="sensitive")
    assert alert.grid_code == "E-WEST" and len(alert.order_ids) == 3 and "敏感" in alert.title
    with database.write() as session:
        service.apply_sensitive_tag(session, actor=world.principal("supervisor"), now=now, alert_id=alert.id)
    from gridcare.customers.models import Customer

    with database.read() as session:
        assert session.scalar(select(Customer.tags).where(Customer.account == "E001")) == "sensitive"
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.stream.in_([f"alert:{alert.id}", f"customer:{int(alert.subject)}"])).order_by(AuditEntry.id)))
    assert actions == ["alert.raise", "customer.tag", "alert.close"]
    assert _alerts(database)[0].status == "closed"
    with database.write() as session:  # tagged now: the rule stays quiet
        assert service.scan(session, now=now + timedelta(hours=1), hourly=False, daily=False).raised == 0


def test_it_finds_a_transformer_with_repeated_repairs_and_a_pipe_segment(world, database, clock):
    now = clock.now()
    ids = take(database, at=now - timedelta(days=12), account="E002") + take(database, at=now - timedelta(days=5), account="E003", n=2) + take(database, at=now - timedelta(days=2), account="E002")
    take(database, at=now - timedelta(days=9), account="W001", n=4)
    take(database, at=now - timedelta(days=40), account="E001", n=2)  # T1: two this month, two long ago
    take(database, at=now - timedelta(days=3), account="E001", n=2)
    with database.write() as session:
        service.scan_rules(session, now=now)
    found = {a.subject: a for a in _alerts(database, kind="repeat_repairs")}
    assert set(found) == {"electric:T2", "water:P3"}
    assert found["electric:T2"].order_ids == ids and found["electric:T2"].grid_code == "E-EAST"


def test_it_needs_a_note_to_acknowledge_and_keeps_the_key_until_closed(world, database, clock):
    now = clock.now()
    for d in (3, 2, 1):
        take(database, at=now - timedelta(days=d), account="E003", category="complaint")
    with database.write() as session:
        service.scan_rules(session, now=now)
    [alert] = _alerts(database, kind="sensitive")
    sup = world.principal("supervisor")
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        service.acknowledge(session, actor=sup, now=now, alert_id=alert.id, note="  ")
    assert caught.value.problems[0].field == "note"
    with database.write() as session:
        service.acknowledge(session, actor=sup, now=now, alert_id=alert.id, note="已联系客户，安排上门")
    with database.write() as session, pytest.raises(Conflict):
        service.acknowledge(session, actor=sup, now=now, alert_id=alert.id, note="again")
    with database.write() as session:  # acknowledged is still open: no second alert
        assert service.scan_rules(session, now=now + timedelta(hours=1)).raised == 0
    with database.write() as session:
        service.close(session, actor=sup, now=now, alert_id=alert.id, note="客户已满意")
    with database.write() as session:  # closed, and no new complaint: the dismissal holds
        assert service.scan_rules(session, now=now + timedelta(hours=2)).raised == 0
    take(database, at=now + timedelta(hours=3), account="E003", category="complaint")
    with database.write() as session:  # a new complaint: it may alert again
        service.scan_rules(session, now=now + timedelta(hours=4))
    first, second = _alerts(database, kind="sensitive")
    assert second.status == "open" and len(second.order_ids) == 4
    assert first.status == "closed" and first.open_key is None and first.note == "已联系客户，安排上门\n客户已满意"
    with database.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.stream == f"alert:{alert.id}").order_by(AuditEntry.id)))
    assert actions == ["alert.raise", "alert.acknowledge", "alert.close"]


def test_it_scopes_alerts_to_the_reps_grids_and_the_wall_list(world, database, clock):
    now = clock.now()
    for acct in ("E001", "E003"):  # E002 is tagged sensitive already
        for d in (3, 2, 1):
            take(database, at=now - timedelta(days=d), account=acct, category="complaint")
    with database.write() as session:
        service.scan_rules(session, now=now)
    with database.read() as session:
        wall = queries.open_alerts(session, actor=world.principal("supervisor"))
        rep = queries.open_alerts(session, actor=world.principal("rep"))
        water = queries.open_alerts(session, actor=world.principal("w_supervisor"))
    assert {a["grid_code"] for a in wall} == {"E-WEST", "E-EAST"} and water == []
    assert [a["grid_code"] for a in rep] == ["E-WEST"]
    assert set(wall[0]) == {"id", "kind", "grid_code", "category", "title", "severity", "raised_at", "evidence"}
    east = next(a["id"] for a in wall if a["grid_code"] == "E-EAST")
    with database.read() as session, pytest.raises(NotFound):
        service.get_alert(session, actor=world.principal("rep"), alert_id=east)


def test_it_refuses_a_future_since(world, database, clock):
    with database.write() as session, pytest.raises(InvalidInput) as caught:
        service.scan(session, now=clock.now(), since=clock.now() + timedelta(days=1))
    assert caught.value.problems[0].field == "since"


def test_its_jobs_scan_the_last_hour_and_yesterday_with_the_rules(world, database, clock):
    from types import SimpleNamespace

    from gridcare.alerts import jobs
    from gridcare.jobs import JOBS

    assert JOBS["alerts.hourly"].every == timedelta(hours=1) and JOBS["alerts.daily"].every == timedelta(days=1)
    now = clock.now()
    take(database, at=now - timedelta(minutes=50), account="E001", n=5)  # 08:10–08:11 today
    for d in (3, 2, 1):
        take(database, at=now - timedelta(days=d), account="E003", category="complaint")
    ctx = SimpleNamespace(db=database, clock=clock)
    jobs.hourly(ctx)
    assert [(a.kind, a.evidence["hour"]) for a in _alerts(database)] == [("spike", 8)]
    jobs.daily(ctx)  # E001's five repairs are also four repeat calls and four repairs on T1
    assert sorted(a.kind for a in _alerts(database)) == ["repeat_calls", "repeat_repairs", "sensitive", "spike"]
    jobs.hourly(ctx)
    jobs.daily(ctx)
    assert len(_alerts(database)) == 4


def test_it_raises_one_alert_when_two_scans_race_on_postgresql(postgres_database, clock):
    import threading

    from gridcare.alerts.service import _raise

    values = {"kind": "repeat_calls", "severity": "warning", "utility": "", "grid_id": None, "grid_code": "", "category": "", "subject": "G", "title": "t",
              "observed": 1.0, "expected": None, "score": None, "window_start": None, "window_end": None, "evidence": {}, "order_ids": [1], "org_path": "/"}
    gate, created = threading.Barrier(2), []

    def scan() -> None:
        with postgres_database.write() as session:
            gate.wait()
            created.append(_raise(session, now=clock.now(), key="repeat_calls:G", values=dict(values))[1])

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(created) == [False, True]
    assert len(_alerts(postgres_database)) == 1
