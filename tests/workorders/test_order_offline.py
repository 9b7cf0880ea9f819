"""Work-order steps the handler's phone kept without signal (离线工单), on both databases and
over HTTP: each counts from when it was made but never from before the order reached the
status it moves on from, a resend is taken once, the callback counts from when the resolution
reached us, and the supervisor sees the steps among the records sent later."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from gridcare.audit.models import AuditEntry
from gridcare.core.clock import SHANGHAI
from gridcare.core.errors import Conflict, InvalidInput
from gridcare.workorders import from_phone, records, service, support
from gridcare.notify.models import Notification
from gridcare.workorders.models import OrderEvent, PhoneCommand, WorkOrder
from tests.support import org as demo_org
from tests.support.demo_client import load_world, open_client
from tests.support.web import sign_in

GPS = {"lon": 112.921, "lat": 28.121}


def at(hh_mm: str) -> datetime:
    hour, minute = map(int, hh_mm.split(":"))
    return datetime(2026, 11, 24, hour, minute, tzinfo=SHANGHAI)


def new_order(db, clock, org):
    with db.write() as session:
        return service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=service.Intake(category="repair", channel="hotline", account="E001")).order.id


def step(db, clock, org, order_id, command, *, made=None, sent=None, submission=None, login="rep", **args):
    """``command`` as the rep's phone sends it at ``sent`` (the clock's time if not given)."""
    if sent is not None:
        clock.set(sent)
    with db.write() as session:
        order = from_phone.execute(
            session, actor=org.principal(login), now=clock.now(), order_id=order_id, command=command, args=args,
            made_at=made, phone_time=clock.now() if made else None, submission=submission,
        )  # fmt: skip
        return order.status


def load(db, order_id):
    with db.read() as session:
        order = session.get(WorkOrder, order_id)
        events = session.execute(select(OrderEvent.kind, OrderEvent.at, OrderEvent.data).where(OrderEvent.order_id == order_id).order_by(OrderEvent.at, OrderEvent.id)).all()
        deadlines = records.order_deadlines(session, order)
        return order, events, deadlines


def test_an_arrival_made_in_time_counts_as_in_time_though_it_arrived_after_the_escalation(database, clock, org):
    order_id = new_order(database, clock, org)  # 09:00; the rep is due on site by 09:45
    step(database, clock, org, order_id, "accept", sent=at("09:02"))
    clock.set(at("09:50"))
    with database.write() as session:
        assert service.sweep(session, now=clock.now()) == 1  # nobody knew the rep was there
    assert step(database, clock, org, order_id, "arrive", made=at("09:40"), sent=at("10:30"), submission="arrive-0001", **GPS) == "arrived"

    order, events, deadlines = load(database, order_id)
    assert order.arrived_at == at("09:40") and order.escalation_level == 0  # the escalation was needless: withdrawn
    assert deadlines["arrive"].met_at == at("09:40") <= deadlines["arrive"].due_at
    # Restoring counts from the arrival made on the phone: the rep was at work from 09:40.
    assert deadlines["resolve"].due_at == at("09:40") + timedelta(minutes=order.attributes["sla"]["resolve"][0])
    kinds = [(kind, when) for kind, when, _ in events]
    # The timeline as it happened: there at 09:40, escalated at 09:50 for want of news, withdrawn at 10:30.
    assert kinds[-3:] == [("order.arrived", at("09:40")), ("order.escalated", at("09:50")), ("order.escalation_withdrawn", at("10:30"))]
    assert next(data for kind, _, data in events if kind == "order.escalation_withdrawn") == {"from": 1, "to": 0}
    with database.read() as session:  # the rep's "late" pop-up closes: they were not
        late = session.scalars(select(Notification).where(Notification.source_id == order_id, Notification.event == "order.escalated", Notification.channel == "popup")).all()
    assert late and all(n.acknowledged_at == at("10:30") and n.ladder_next_at is None for n in late)
    arrived = next(data for kind, _, data in events if kind == "order.arrived")
    assert datetime.fromisoformat(arrived["sent_at"]) == at("10:30") and datetime.fromisoformat(arrived["made_at"]) == at("09:40")
    with database.read() as session:
        audit = json.loads(session.scalars(select(AuditEntry.after).where(AuditEntry.action == "order.arrive")).one())
        kept = session.scalars(select(PhoneCommand)).one()
    assert datetime.fromisoformat(audit["sent_at"]) == at("10:30") and audit["status"] == "arrived"
    assert (kept.submission, kept.command, kept.made_by, kept.made_at, kept.sent_at) == ("arrive-0001", "arrive", "rep", at("09:40"), at("10:30"))


def test_an_arrival_kept_on_the_phone_but_made_late_keeps_its_escalation(database, clock, org):
    order_id = new_order(database, clock, org)
    step(database, clock, org, order_id, "accept", sent=at("09:02"))
    clock.set(at("09:50"))
    with database.write() as session:
        service.sweep(session, now=clock.now())
    step(database, clock, org, order_id, "arrive", made=at("09:47"), sent=at("10:30"), submission="arrive-late-1", **GPS)
    order, events, _ = load(database, order_id)
    assert order.escalation_level == 1 and "order.escalation_withdrawn" not in [kind for kind, _, _ in events]
    with database.write() as session:  # asked again, the order's deadlines still call for the rung
        assert service.withdraw_needless_escalation(session, actor=org.principal("rep"), now=at("10:31"), order=session.get(WorkOrder, order_id)) == 1


def test_a_resend_is_taken_once_and_an_id_on_another_step_is_refused(database, clock, org):
    order_id = new_order(database, clock, org)
    step(database, clock, org, order_id, "accept", made=at("09:01"), sent=at("09:20"), submission="accept-0001")
    assert step(database, clock, org, order_id, "accept", made=at("09:01"), sent=at("09:21"), submission="accept-0001") == "accepted"  # the phone did not hear back
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order_id, OrderEvent.kind == "order.accepted")) == 1
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "order.accept")) == 1
    with pytest.raises(Conflict) as refused:
        step(database, clock, org, order_id, "arrive", made=at("09:30"), submission="accept-0001", **GPS)
    assert refused.value.problems[0].field == "submission"
    other = new_order(database, clock, org)
    with pytest.raises(Conflict):
        step(database, clock, org, other, "accept", made=at("09:30"), submission="accept-0001")
    with pytest.raises(InvalidInput) as bad:
        step(database, clock, org, other, "accept", submission="a b c")
    assert bad.value.problems[0].field == "submission"
    assert load(database, other)[0].status == "dispatched"


def test_a_step_never_counts_from_before_the_order_reached_it(database, clock, org):
    order_id = new_order(database, clock, org)  # dispatched at 09:00
    # A phone clock four minutes slow that did not say so as it sent (no phone_time).
    with database.write() as session:
        from_phone.execute(session, actor=org.principal("rep"), now=at("09:30"), order_id=order_id, command="accept", made_at=at("08:56"), submission="slow-clock-01")
    order, events, _ = load(database, order_id)
    assert order.accepted_at == at("09:00")  # not before the order reached the rep
    assert [when for kind, when, _ in events if kind == "order.accepted"] == [at("09:00")]


def test_a_phone_time_that_cannot_be_right_counts_from_arrival_and_is_kept(database, clock, org):
    order_id = new_order(database, clock, org)
    with database.write() as session:
        from_phone.execute(session, actor=org.principal("rep"), now=at("09:10"), order_id=order_id, command="accept", made_at=at("09:10") - timedelta(days=5), phone_time=at("09:10"), submission="five-days-01")
    order, events, _ = load(database, order_id)
    accepted = next(data for kind, _, data in events if kind == "order.accepted")
    assert order.accepted_at == at("09:10") and datetime.fromisoformat(accepted["phone_time"]) == at("09:10") - timedelta(days=5)
    with database.read() as session:
        assert session.scalars(select(PhoneCommand.claimed_at)).one() == at("09:10") - timedelta(days=5)


def test_a_resolution_sent_later_is_met_when_made_and_its_callback_counts_from_when_it_came(database, clock, org):
    kept, online = new_order(database, clock, org), new_order(database, clock, org)
    for order_id in (kept, online):
        step(database, clock, org, order_id, "accept", sent=at("09:02"))
        step(database, clock, org, order_id, "arrive", sent=at("09:30"), **GPS)
    step(database, clock, org, kept, "resolve", made=at("10:00"), sent=at("14:00"), submission="resolve-0001", resolution="更换熔丝")
    step(database, clock, org, online, "resolve", sent=at("14:00"), resolution="更换熔丝")
    order, _, deadlines = load(database, kept)
    twin, _, twin_deadlines = load(database, online)
    assert order.status == "callback_pending" and order.resolved_at == at("10:00") and deadlines["resolve"].met_at == at("10:00")
    assert order.callback_due == twin.callback_due == twin_deadlines["callback"].due_at  # nobody could call back before 14:00
    # Reopened, the resolution and when it came are gone; the next one counts afresh.
    with database.write() as session:
        service.execute(session, actor=org.principal("supervisor"), now=at("14:10"), order_id=kept, command="reopen", args={"reason": "客户称仍停电"})
    assert records.RESOLUTION_RECEIVED not in load(database, kept)[0].attributes


def test_only_the_handlers_steps_at_the_door_are_kept_on_the_phone(database, clock, org):
    order_id = new_order(database, clock, org)
    with pytest.raises(InvalidInput) as refused, database.write() as session:
        from_phone.execute(session, actor=org.principal("agent"), now=clock.now(), order_id=order_id, command="add_note", args={"text": "x"}, made_at=at("08:55"))
    assert refused.value.problems[0].field == "made_at"
    with pytest.raises(InvalidInput) as refused, database.write() as session:
        from_phone.execute(session, actor=org.principal("agent"), now=clock.now(), order_id=order_id, command="add_note", args={"text": "x"}, submission="note-00001")
    assert refused.value.problems[0].field == "submission"


@pytest.fixture
def client(settings, database, clock):
    with open_client(settings, database, clock, org=load_world(database, clock)) as c:
        yield c


def test_kept_steps_over_the_api_the_pages_and_the_supervisors_look(client, clock, database):
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    made = client.post("/api/v1/work-orders", json={"category": "repair", "account": "E001"}, headers={"X-CSRF-Token": token}).json()
    client.cookies.clear()
    _, token = sign_in(client, "rep", demo_org.PASSWORD)
    url = f"/api/v1/work-orders/{made['id']}/commands"
    naive = client.post(url, json={"command": "accept", "made_at": "2026-11-24T09:01:00"}, headers={"X-CSRF-Token": token})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "made_at"
    clock.set(at("09:30"))
    body = {"command": "accept", "made_at": "2026-11-24T09:01:00+08:00", "phone_time": "2026-11-24T09:30:00+08:00"}
    first = client.post(url, json=body, headers={"X-CSRF-Token": token, "Idempotency-Key": "api-accept-1"})
    again = client.post(url, json=body, headers={"X-CSRF-Token": token, "Idempotency-Key": "api-accept-1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["accepted_at"].startswith("2026-11-24T01:01:00")

    page = client.get("/m").text
    assert f'data-key="o{made["id"]}-arrive"' in page and 'data-then="o' in page and "/static/js/offline.js" in page and 'id="offline-queue"' in page
    clock.set(at("10:00"))
    arrived = client.post(
        f"/orders/{made['id']}/do",
        data={"csrf_token": token, "command": "arrive", "back": "/m", **GPS, "made_at": "2026-11-24T01:20:00Z", "phone_time": "2026-11-24T02:00:00Z", "submission": "page-arrive-01"},
    )
    assert arrived.status_code == 303 and arrived.headers["location"] == "/m"
    detail = client.get(f"/orders/{made['id']}").text
    assert "已上传 11-24 10:00" in detail and "09:20:00" in detail
    refused = client.post(f"/orders/{made['id']}/do", data={"csrf_token": token, "command": "resolve", "resolution": "x", "made_at": "soon"})
    assert refused.status_code == 303 and "error=" in refused.headers["location"] and "made_at" in refused.headers["location"]
    # A form sent as the browser sends it without a photo: the file input comes empty.
    resolved = client.post(f"/orders/{made['id']}/do", data={"csrf_token": token, "command": "resolve", "resolution": "更换熔丝", "back": "/m"}, files={"photos": ("", b"", "application/octet-stream")})
    assert resolved.status_code == 303 and resolved.headers["location"] == "/m"
    assert client.get(f"/api/v1/work-orders/{made['id']}").json()["status"] == "callback_pending"
    with database.read() as session:
        assert support.attachments_of(session, order_id=made["id"]) == []

    client.cookies.clear()
    sign_in(client, "supervisor", demo_org.PASSWORD)
    found = client.get("/api/v1/field/sent-later", params={"days": 30}).json()
    assert [(m["login"], m["records"], m["sent_later"]) for m in found["makers"]] == [("rep", 2, 2)]


def test_photos_of_the_site_come_with_the_resolution_once_and_a_bad_one_refuses_it(database, clock, org, tmp_path):
    from tests.field.conftest import PNG

    order_id = new_order(database, clock, org)
    step(database, clock, org, order_id, "accept", sent=at("09:02"))
    step(database, clock, org, order_id, "arrive", sent=at("09:30"), **GPS)

    def resolve(photos, submission="resolve-pics-1"):
        with database.write() as session:
            return from_phone.execute(
                session, actor=org.principal("rep"), now=at("11:00"), order_id=order_id, command="resolve", args={"resolution": "更换熔丝", **GPS},
                made_at=at("10:00"), phone_time=at("11:00"), submission=submission, photos=photos, data_dir=tmp_path,
            ).status  # fmt: skip

    with pytest.raises(InvalidInput) as refused:
        resolve([("after.png", PNG), ("notes.txt", b"not a photo")])
    assert refused.value.problems[0].field == "photos"
    assert load(database, order_id)[0].status == "arrived"  # the step and its first photo, both undone
    with pytest.raises(InvalidInput) as refused:
        resolve([("p.png", PNG)] * 7)
    assert (refused.value.problems[0].field, refused.value.problems[0].reason) == ("photos", "at most 6 photos")
    assert resolve([("before.png", PNG), ("after.png", PNG)]) == "callback_pending"
    assert resolve([("before.png", PNG), ("after.png", PNG)]) == "callback_pending"  # the phone sent it again
    with database.read() as session:
        kept = support.attachments_of(session, order_id=order_id)
    assert [(a.filename, a.lon, a.uploaded_by) for a in kept] == [("before.png", GPS["lon"], "rep"), ("after.png", GPS["lon"], "rep")]
    other = new_order(database, clock, org)
    with pytest.raises(InvalidInput) as refused, database.write() as session:
        from_phone.execute(session, actor=org.principal("rep"), now=clock.now(), order_id=other, command="accept", photos=[("x.png", PNG)], data_dir=tmp_path)
    assert refused.value.problems[0].field == "photos"
