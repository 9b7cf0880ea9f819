"""The pop-up fallback ladder end to end: pop-up on the user's channel, SMS after N
minutes to a real HTTP gateway, a voice call after M minutes; acknowledging stops it."""

import time
from datetime import timedelta

from sqlalchemy import select

from gridcare.notify import service
from gridcare.notify.models import Notification
from gridcare.pubsub import Broadcaster
from tests.notify.conftest import config, make_worker, notify_settings
from tests.notify.stubs import GatewayStub, http_stub, listening

ORDER = {"number": "GD20261124-000001", "address": "芙蓉区五一大道1号", "description": "整栋楼停电", "customer": "王芳"}


def eventually(check, seconds: float = 5.0) -> bool:
    """The listener collects pushes on its own thread: give it a moment on a busy machine."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def popups(db):
    with db.read() as session:
        return {n.source_id: n for n in session.scalars(select(Notification).where(Notification.channel == "popup"))}


def by_channel(db, channel):
    with db.read() as session:
        return list(session.scalars(select(Notification).where(Notification.channel == channel).order_by(Notification.id)))


def test_it_falls_back_from_popup_to_sms_to_voice_until_acknowledged(database, clock, world, tmp_path):
    sms, voice = GatewayStub(), GatewayStub(id_field="client_call_id")
    rep = world.user_id("rep")
    broadcaster = Broadcaster()
    with http_stub(sms) as sms_url, http_stub(voice) as voice_url, listening(broadcaster, [f"user:{rep}"]) as pushed:
        settings = notify_settings(database, tmp_path, sms_http_url=sms_url, voice_http_url=voice_url, notify_ladders="default=5/15;order.escalated=2/-")
        worker = make_worker(database, clock, settings, broadcaster)
        with database.write() as session:
            for order_id in (1, 2, 3):
                service.notify_user(session, now=clock.now(), user_id=rep, event="order.dispatched", context={**ORDER, "number": f"GD-{order_id}"}, source=("order", order_id), ladder=True, config=config(settings))
        worker.drain()
        assert eventually(lambda: sum(e.event == "popup" for e in pushed) >= 3)
        shown = [e for e in pushed if e.event == "popup"]
        assert [e.data["subject"] for e in shown] == ["新工单 GD-1", "新工单 GD-2", "新工单 GD-3"]
        assert shown[0].data["url"] == "/orders/1" and "整栋楼停电" in shown[0].data["body"]

        clock.advance(timedelta(minutes=3))
        with database.write() as session:  # the rep acknowledges order 2's pop-up in time
            service.acknowledge(session, actor=world.principal("rep"), now=clock.now(), notification_id=popups(database)[2].id)
            service.stop_ladders(session, now=clock.now(), source=("order", 3), reason="accepted")  # order 3 accepted on the app
        worker.drain()
        closed_id = popups(database)[2].id
        assert eventually(lambda: any(e.event == "popup.closed" and e.data["id"] == closed_id for e in pushed))

        clock.advance(timedelta(minutes=1, seconds=59))  # 4:59 after the pop-up: still nothing
        worker.drain()
        assert sms.sent == []

        clock.advance(timedelta(seconds=15))  # 5:14: the SMS (the ladder job runs every 15 s)
        worker.drain()
        assert [m["to"] for m in sms.sent] == ["+8613800000005"] and sms.sent[0]["text"].startswith("【网格服务】新工单GD-1：整栋楼停电")
        assert voice.sent == []

        clock.advance(timedelta(minutes=10))  # 15:00: the voice call
        worker.drain()
        assert [(c["to"], c["locale"]) for c in voice.sent] == [("+8613800000005", "zh_CN")]
        assert "工单号GD-1" in voice.sent[0]["text"]

        clock.advance(timedelta(hours=1))
        worker.drain()
    assert len(sms.sent) == 1 and len(voice.sent) == 1  # each rung once; orders 2 and 3 never fell back
    first, second, third = (popups(database)[i] for i in (1, 2, 3))
    assert first.ladder_step == 2 and first.ladder_next_at is None and first.ladder_stopped == "completed" and first.acknowledged_at is None
    assert second.acknowledged_at == first.created_at + timedelta(minutes=3) and second.ladder_stopped == "acknowledged" and second.ladder_step == 0
    assert third.ladder_stopped == "accepted" and third.ladder_step == 0
    [fallback_sms], [fallback_call] = by_channel(database, "sms"), by_channel(database, "voice")
    assert fallback_sms.parent_id == first.id and fallback_sms.state == "delivered" and fallback_sms.source_id == 1
    assert fallback_call.parent_id == first.id and fallback_call.state == "delivered" and fallback_call.provider_message_id == "M1"


def test_it_fires_missed_rungs_after_a_restart_and_uses_the_events_policy(database, clock, world, tmp_path):
    sms = GatewayStub()
    with http_stub(sms) as url:
        settings = notify_settings(database, tmp_path, sms_http_url=url, notify_ladders="default=5/15;order.escalated=2/-")
        with database.write() as session:
            service.notify_user(session, now=clock.now(), user_id=world.user_id("supervisor"), event="order.escalated", context={"number": "GD-7", "level": 1}, source=("order", 7), ladder=True, config=config(settings))
        # No worker ran for an hour (the platform was down): the stored deadline still fires, once.
        clock.advance(timedelta(hours=1))
        worker = make_worker(database, clock, settings)
        worker.drain()
        worker.drain()
    assert len(sms.sent) == 1 and sms.sent[0]["text"].startswith("【督办】工单GD-7已超时（1级）")
    assert by_channel(database, "voice") == []  # this event's policy has no voice rung
    [popup] = popups(database).values()
    assert popup.ladder_stopped == "completed" and popup.ladder_step == 1


def test_it_lets_only_the_recipient_acknowledge_a_popup(database, clock, world, tmp_path):
    import pytest

    from gridcare.core.errors import InvalidInput, NotFound

    settings = notify_settings(database, tmp_path)
    with database.write() as session:
        [popup_id, sms_id] = service.notify_user(session, now=clock.now(), user_id=world.user_id("rep"), event="order.dispatched", context=ORDER, source=("order", 1), ladder=True, channels=("popup", "sms"), config=config(settings))
    with database.write() as session, pytest.raises(NotFound, match="addressed to you"):
        service.acknowledge(session, actor=world.principal("agent"), now=clock.now(), notification_id=popup_id)
    with database.write() as session, pytest.raises(InvalidInput, match="only pop-ups are acknowledged"):
        service.acknowledge(session, actor=world.principal("rep"), now=clock.now(), notification_id=sms_id)
    with database.write() as session:
        first = service.acknowledge(session, actor=world.principal("rep"), now=clock.now(), notification_id=popup_id).acknowledged_at
    clock.advance(timedelta(minutes=1))
    with database.write() as session:
        assert service.acknowledge(session, actor=world.principal("rep"), now=clock.now(), notification_id=popup_id).acknowledged_at == first  # idempotent


def test_a_message_about_a_new_source_is_still_recorded_once(database, clock, world, tmp_path):
    # new_source skips the look-up before the insert; the insert itself refuses the repeat.
    settings = notify_settings(database, tmp_path)
    rep = world.user_id("rep")
    with database.write() as session:
        first = service.notify_user(session, now=clock.now(), user_id=rep, event="order.dispatched", context=ORDER, source=("order", 41), ladder=True, config=config(settings), new_source=True)
        again = service.notify_user(session, now=clock.now(), user_id=rep, event="order.dispatched", context=ORDER, source=("order", 41), ladder=True, config=config(settings), new_source=True)
    assert first == again
    with database.read() as session:
        assert len(session.scalars(select(Notification.id).where(Notification.source_id == 41)).all()) == 1
