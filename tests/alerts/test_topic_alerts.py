"""Hot-topic alerts (热点诉求预警): the hourly scan raises one alert per topic for the company
its orders belong to, tells that company's supervisors, and refreshes it as calls come in."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from gridcare.alerts import service
from gridcare.alerts.models import Alert
from gridcare.core.principal import system_principal
from gridcare.workorders import service as orders
from tests.alerts.conftest import alert_messages
from tests.support.demo_client import as_user

WORDINGS = ["咨询水费账单", "家里停水了", "自来水发黄有异味", "小区主管道漏水", "水压太低高层没水", "咨询水表更换政策", "家中跳闸合不上闸", "部分插座没电"]
FLAKES = ["自来水里有白色絮状物还能喝吗", "水龙头放出来的水有白色絮状物", "烧开的水有白色絮状物沉淀", "家里水有白色絮状物", "白色絮状物担心水质", "水里漂着白色絮状物", "白色絮状物是什么"]


def said(db, clock, account: str, words: str, *, before: timedelta) -> int:
    with db.write() as session:
        intake = orders.Intake(category="consultation", channel="hotline", account=account, description=words)
        return orders.create_order(session, actor=system_principal("test"), now=clock.now() - before, intake=intake).order.id


def scan(db, clock):
    with db.write() as session:
        return service.scan(session, now=clock.now(), hourly=False, daily=False, with_rules=False, with_topics=True)


def test_a_hot_topic_is_raised_once_for_its_company_told_to_its_supervisors_and_refreshed(client, world, database, clock):
    rng = random.Random(5)
    for i in range(60):
        said(database, clock, rng.choice(["W001", "E001"]), rng.choice(WORDINGS), before=timedelta(days=1 + i % 12, hours=i % 7))
    assert scan(database, clock).raised == 0  # the usual mix: nothing
    first = [said(database, clock, "W001", words, before=timedelta(minutes=150 - 30 * k)) for k, words in enumerate(FLAKES[:5])]

    result = scan(database, clock)
    assert (result.raised, result.refreshed) == (1, 0)
    with database.read() as session:
        alert = session.scalars(select(Alert).where(Alert.kind == "topic")).one()
        assert (alert.utility, alert.subject, alert.observed, alert.severity, alert.grid_code) == ("water", "白色絮状物", 5.0, "warning", "W-ALL")
        assert sorted(alert.order_ids) == sorted(first) and alert.org_path == world.unit_path("XC-W-TX-T1")
        assert "白色絮状物" in alert.title and alert.title.startswith("热点诉求")
    told = alert_messages(database, alert.id)
    assert told and {(m.recipient_kind, m.recipient_id) for m in told} == {("user", world.user_id("w_supervisor"))}

    clock.advance(timedelta(hours=1))
    later = [said(database, clock, "W001", words, before=timedelta(minutes=5 * k)) for k, words in enumerate(FLAKES[5:])]
    result = scan(database, clock)
    assert (result.raised, result.refreshed) == (0, 1)  # the same topic, more callers
    with database.read() as session:
        alert = session.scalars(select(Alert).where(Alert.kind == "topic")).one()
        assert alert.observed == 7.0 and set(later) <= set(alert.order_ids)
    assert len(alert_messages(database, alert.id)) == len(told)  # told once

    as_user(client, "w_supervisor")
    listed = client.get("/api/v1/alerts", params={"kind": "topic"}).json()
    assert [a["id"] for a in listed["alerts"]] == [alert.id]
    page = client.get(f"/alerts/{alert.id}").text
    assert "/analytics/topics?hours=6" in page and "白色絮状物" in page and "热点诉求" in page
    assert len(client.get(f"/api/v1/alerts/{alert.id}").json()["orders"]) == 7
    as_user(client, "supervisor")  # the electric company's: not theirs
    assert client.get("/api/v1/alerts", params={"kind": "topic"}).json()["alerts"] == []
    assert client.get(f"/alerts/{alert.id}").status_code == 404
