"""CTI events through the REST API on both databases: idempotent, any order, from any PBX."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from gridcare.calls.models import AgentExtension, CallEvent, CallRecord
from gridcare.config import load_settings
from gridcare.main import load_plugins
from gridcare.outbox import OutboxRow
from gridcare.worker import Worker, WorkerContext
from tests.calls.conftest import make_pbx_token
from tests.support import aio


def count(db, model, *where) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def pushes(db) -> list[dict]:
    with db.read() as session:
        return list(session.scalars(select(OutboxRow.payload).where(OutboxRow.topic == "push").order_by(OutboxRow.id)))


def test_it_keeps_the_same_record_when_the_pbx_sends_an_event_twice(pbx, database):
    first = pbx.post("ringing", caller="0731-88881234", callee="95598", agent_extension="8001")
    again = pbx.post("ringing", caller="0731-88881234", callee="95598", agent_extension="8001")
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert {k: v for k, v in first.json().items() if k != "duplicate"} == {k: v for k, v in again.json().items() if k != "duplicate"}
    assert count(database, CallRecord) == 1 and count(database, CallEvent) == 1
    assert len([p for p in pushes(database) if p["event"] == "call.ringing"]) == 1


def test_it_dedupes_by_the_pbx_event_id_when_one_is_sent(pbx, database):
    pbx.post("answered", event_id="evt-1", agent_extension="8001")
    retry = pbx.post("answered", event_id="evt-1", agent_extension="8001", after=2)  # re-sent later, same id
    assert retry.json()["duplicate"] is True and retry.json()["answered_at"].endswith("01:00:00Z")
    assert count(database, CallEvent) == 1


def test_it_builds_the_same_call_from_events_out_of_order(pbx, client, pbx_token, clock):
    pbx.post("ended", "late", after=125, recording_url="https://pbx.example/rec/late.wav")
    pbx.post("answered", "late", after=5, agent_extension="8001")
    out = pbx.post("ringing", "late", caller="13812345678", callee="95598", agent_extension="8001").json()
    assert (out["state"], out["outcome"], out["wait_seconds"], out["duration_seconds"]) == ("ended", "answered", 5, 120)
    assert out["recording_url"] == "https://pbx.example/rec/late.wav" and out["caller_e164"] == "+8613812345678"
    for kind, after in (("ringing", 0), ("answered", 5), ("ended", 125)):
        last = pbx.post(kind, "inorder", after=after, caller="13812345678" if kind == "ringing" else "", callee="95598" if kind == "ringing" else "", agent_extension="8001", recording_url="https://pbx.example/rec/late.wav" if kind == "ended" else "")
    ordered = client.get(f"/api/v1/calls/{last.json()['id']}", headers={"Authorization": f"Bearer {pbx_token}"}).json()
    assert ordered["call_id"] == "inorder"
    same = ("state", "outcome", "wait_seconds", "duration_seconds", "started_at", "answered_at", "ended_at", "agent_user_id", "recording_url", "caller_e164")
    assert {k: ordered[k] for k in same} == {k: out[k] for k in same}


def test_it_does_not_reopen_a_call_when_a_late_answered_arrives(pbx, database, org):
    pbx.post("ringing", agent_extension="8001")
    pbx.post("ended", after=30)
    late = pbx.post("answered", after=10, agent_extension="8001").json()
    assert late["state"] == "ended" and late["outcome"] == "answered" and late["duration_seconds"] == 20
    with database.read() as session:
        seat = session.scalar(select(AgentExtension).where(AgentExtension.user_id == org.user_id("agent")))
    assert seat.status == "available"  # never busy: the call had ended when the answer was heard of


def test_it_pops_the_card_for_the_agent_of_the_extension_and_tracks_their_seat(pbx, database, org):
    agent = org.user_id("agent")
    pbx.post("ringing", caller="0731-88881234", agent_extension="8001")
    pbx.post("answered", after=4, agent_extension="8001")
    with database.read() as session:
        assert session.scalar(select(AgentExtension.status).where(AgentExtension.user_id == agent)) == "busy"
    pbx.post("ended", after=60)
    sent = pushes(database)
    pops = [p for p in sent if p["event"] == "call.ringing"]
    assert len(pops) == 1 and pops[0]["channel"] == f"user:{agent}" and pops[0]["data"]["caller"] == "0731 8888 1234"
    assert [p["data"]["state"] for p in sent if p["event"] == "call.updated"] == ["answered", "ended"]
    with database.read() as session:
        assert session.scalar(select(AgentExtension.status).where(AgentExtension.user_id == agent)) == "after_call"


def test_it_follows_a_transfer_to_the_new_agent(pbx, database, org):
    pbx.post("ringing", agent_extension="8001")
    pbx.post("answered", after=3, agent_extension="8001")
    out = pbx.post("transferred", after=40, agent_extension="8101").json()
    assert out["state"] == "transferred" and out["agent_user_id"] == org.user_id("expert") and out["transfers"] == 1
    pops = [p["channel"] for p in pushes(database) if p["event"] == "call.ringing"]
    assert pops == [f"user:{org.user_id('agent')}", f"user:{org.user_id('expert')}"]
    with database.read() as session:
        assert session.scalar(select(AgentExtension.status).where(AgentExtension.user_id == org.user_id("agent"))) == "after_call"


def test_it_records_a_call_at_an_unknown_extension_without_a_pop(pbx, database):
    out = pbx.post("ringing", agent_extension="9999").json()
    assert out["agent_extension"] == "9999" and out["agent_user_id"] is None
    assert [p for p in pushes(database) if p["event"] == "call.ringing"] == []


def test_it_matches_every_customer_sharing_the_number(pbx):
    shared = pbx.post("ringing", "shared", caller="+86 138-1234-5678").json()
    assert shared["customers_matched"] == 2 and shared["customer_id"] is None  # 王芳's power and water accounts
    single = pbx.post("ringing", "single", caller="9073188881234").json()  # outside-line prefix
    assert single["customers_matched"] == 1 and single["customer_id"] is not None


def test_it_takes_a_form_body_and_epoch_or_local_timestamps(client, pbx_token, database):
    auth = {"Authorization": f"Bearer {pbx_token}"}
    form = client.post("/api/v1/calls/events", data={"uniqueid": "1764000000.17", "event": "ringing", "timestamp": "1764000000", "caller": "13812345678", "extension": "8001", "channel": "SIP/trunk-0001"}, headers=auth)
    assert form.status_code == 200, form.text
    assert form.json()["started_at"] == "2025-11-24T16:00:00Z" and form.json()["call_id"] == "1764000000.17" and form.json()["agent_user_id"] is not None
    # Asterisk's CURL() with an Authorization header sends the form without its content type.
    bare = client.post("/api/v1/calls/events", content=b"call_id=1764000000.18&event=ringing&caller=%2B8613812345678", headers={**auth, "content-type": ""})
    assert bare.status_code == 200, bare.text
    assert bare.json()["caller_e164"] == "+8613812345678"
    local = client.post("/api/v1/calls/events", json={"call_id": "naive", "event": "ringing", "timestamp": "2026-11-24 09:30:00"}, headers=auth)
    assert local.json()["started_at"] == "2026-11-24T01:30:00Z"  # no offset: Beijing time
    with database.read() as session:
        assert session.scalar(select(CallEvent.payload).where(CallEvent.dedupe_key.like("1764000000.17|%")))["channel"] == "SIP/trunk-0001"


def test_it_refuses_bad_events_naming_the_field_and_writes_nothing(pbx, client, pbx_token, database):
    auth = {"Authorization": f"Bearer {pbx_token}"}
    bad = client.post("/api/v1/calls/events", json={"event": "hungup"}, headers=auth)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"call_id", "event"}
    url = pbx.post("ended", recording_url="ftp://pbx/rec.wav")
    assert url.status_code == 422 and url.json()["errors"] == [{"field": "recording_url", "reason": "must be an http(s) URL or an absolute path"}]
    junk = client.post("/api/v1/calls/events", content=b"[1, 2]", headers={**auth, "content-type": "application/json"})
    assert junk.status_code == 422 and junk.json()["errors"][0]["field"] == "body"
    assert count(database, CallRecord) == 0 and count(database, CallEvent) == 0


def test_it_needs_a_token_allowed_to_post_call_events(client, org, clock):
    unknown = client.post("/api/v1/calls/events", json={"call_id": "x", "event": "ringing"}, headers={"Authorization": "Bearer gct_not-a-token"})
    assert unknown.status_code == 401 and "bearer token" in unknown.json()["detail"]
    assert client.post("/api/v1/calls/events", json={"call_id": "x", "event": "ringing"}).status_code == 403  # no token: a browser without CSRF
    viewer = make_pbx_token(org, clock, login="viewer-bot", role="viewer")
    refused = client.post("/api/v1/calls/events", json={"call_id": "x", "event": "ringing"}, headers={"Authorization": f"Bearer {viewer}"})
    assert refused.status_code == 403


def test_it_keeps_call_ids_of_two_pbxs_apart(pbx, client, pbx_token, database):
    pbx.post("ringing", "1001")
    other = client.post("/api/v1/calls/events", json={"call_id": "1001", "event": "ringing", "source": "station-pbx"}, headers={"Authorization": f"Bearer {pbx_token}"})
    assert other.json()["duplicate"] is False and other.json()["source"] == "station-pbx"
    assert count(database, CallRecord) == 2


def test_it_counts_calls_to_a_local_repair_line_with_the_line_and_its_station(pbx, client, pbx_token, org, database, clock):
    auth = {"Authorization": f"Bearer {pbx_token}"}
    admin = make_pbx_token(org, clock, login="line-admin", role="supervisor")
    line = client.post("/api/v1/calls/lines", json={"number": "0731-8488 1234", "name": "五一供电所抢修电话", "org_unit_id": org.units["XC-E-FR-WY"]}, headers={"Authorization": f"Bearer {admin}"})
    assert line.status_code == 201, line.text
    assert line.json()["e164"] == "+8673184881234"
    dup = client.post("/api/v1/calls/lines", json={"number": "073184881234", "name": "again", "org_unit_id": org.units["XC-E-FR-WY"]}, headers={"Authorization": f"Bearer {admin}"})
    assert dup.status_code == 409
    bad = client.post("/api/v1/calls/lines", json={"number": "12", "name": "", "org_unit_id": org.units["XC-E-FR-WY"]}, headers={"Authorization": f"Bearer {admin}"})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"number", "name"}
    call = client.post("/api/v1/calls/events", json={"call_id": "loc-1", "event": "ringing", "caller": "13812345678", "callee": "84881234"}, headers=auth).json()
    assert call["line_id"] == line.json()["id"]
    with database.read() as session:
        assert session.scalar(select(CallRecord.org_path).where(CallRecord.id == call["id"])) == org.unit_path("XC-E-FR-WY")


def test_it_delivers_the_pop_through_the_outbox_worker_too(pbx, database, clock, org):
    pbx.post("ringing", caller="13812345678", agent_extension="8001")
    settings = load_settings()
    load_plugins(settings)
    hub_events = []

    class Recorder:
        def publish(self, event):
            hub_events.append(event)

    Worker(WorkerContext(db=database, broadcaster=Recorder(), settings=settings, clock=clock), name="w").drain()
    assert [e.event for e in hub_events if e.channel == f"user:{org.user_id('agent')}"] == ["call.ringing"]
    assert count(database, OutboxRow, OutboxRow.status == "delivered") == len(hub_events)


def test_it_publishes_the_pop_at_commit_without_waiting_for_the_worker(pbx, client, org):
    broadcaster = client.app.state.gridcare.broadcaster
    channel = f"user:{org.user_id('agent')}"

    async def scenario():
        async with broadcaster.subscribe([channel]) as queue:
            response = await asyncio.to_thread(pbx.post, "ringing", "fast", caller="13812345678", agent_extension="8001")
            assert response.status_code == 200
            return await asyncio.wait_for(queue.get(), 2)

    event = aio.run(scenario())
    assert event.event == "call.ringing" and event.data["push_id"].startswith("pop:")


def test_it_ends_a_seat_s_after_call_work_and_lists_it_on_the_board(pbx, client, pbx_token, clock):
    pbx.post("ringing", agent_extension="8001")
    pbx.post("answered", after=2, agent_extension="8001")
    pbx.post("ended", after=30)
    auth = {"Authorization": f"Bearer {pbx_token}"}
    board = {s["extension"]: s for s in client.get("/api/v1/calls/agents", headers=auth).json()}
    assert board["8001"]["status"] == "after_call"
    clock.advance(timedelta(minutes=5))
    board = {s["extension"]: s for s in client.get("/api/v1/calls/agents", headers=auth).json()}
    assert board["8001"]["status"] == "available" and board["8001"]["call_id"] is None


def test_it_pops_through_redis_in_scaled_mode(settings, database, clock, org, pbx_token, redis_url):
    from fastapi.testclient import TestClient

    from gridcare.main import create_app
    from gridcare.pubsub import RedisBroadcaster

    app = create_app(settings, db=database, clock=clock, broadcaster=RedisBroadcaster(redis_url), run_worker=False)
    channel = f"user:{org.user_id('agent')}"
    with TestClient(app) as client:
        broadcaster = app.state.gridcare.broadcaster

        async def scenario():
            async with broadcaster.subscribe([channel]) as queue:
                for _ in range(100):  # the web process's Redis subscription is up
                    if broadcaster.healthy():
                        break
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.1)
                body = {"call_id": "scaled", "event": "ringing", "caller": "13812345678", "agent_extension": "8001"}
                response = await asyncio.to_thread(client.post, "/api/v1/calls/events", json=body, headers={"Authorization": f"Bearer {pbx_token}"})
                assert response.status_code == 200
                return await asyncio.wait_for(queue.get(), 3)

        event = aio.run(scenario())
    assert event.event == "call.ringing" and event.channel == channel
