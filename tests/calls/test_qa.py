"""QA (质检) through the REST API and pages: scoring with bad input, results per agent and
team, sampling, checklists, and the recording played through the server."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest
from sqlalchemy import event, func, select

from gridcare.analytics import periods as analytics_periods
from gridcare.analytics import queries as analytics_queries
from gridcare.calls import quality
from gridcare.calls.handlers import sample_yesterday
from gridcare.calls.models import CallRecord, QaScore
from gridcare.config import load_settings
from gridcare.core.clock import SHANGHAI
from gridcare.worker import WorkerContext
from tests.support import org as demo_org
from tests.support.web import sign_in

FULL = {"greeting": 10, "identify": 10, "listen": 15, "accuracy": 20, "order": 15, "courtesy": 15, "efficiency": 5, "closing": 10}


def answered(pbx, call_id: str, ext: str = "8001", after: float = 0, **kw) -> int:
    pbx.post("ringing", call_id, after=after, caller="13812345678", agent_extension=ext, **kw)
    pbx.post("answered", call_id, after=after + 5, agent_extension=ext)
    return pbx.post("ended", call_id, after=after + 65, recording_url=kw.get("recording_url", "")).json()["id"]


@pytest.fixture
def supervisor(client):
    client.cookies.clear()
    _, token = sign_in(client, "supervisor", demo_org.PASSWORD)
    return {"X-CSRF-Token": token}


def scores(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(QaScore))


def test_it_scores_a_call_against_the_default_checklist(pbx, client, supervisor, database, org):
    call_id = answered(pbx, "q1")
    checklist = client.get("/api/v1/calls/qa/checklist").json()
    assert checklist["max_total"] == 100 and checklist["id"] is None and [i["key"] for i in checklist["items"]] == list(FULL)
    given = client.post(f"/api/v1/calls/{call_id}/qa", json={"scores": {**FULL, "courtesy": 5}, "comment": "语气生硬"}, headers=supervisor)
    assert given.status_code == 200, given.text
    assert (given.json()["total"], given.json()["max_total"], given.json()["agent_user_id"]) == (90, 100, org.user_id("agent"))
    again = client.post(f"/api/v1/calls/{call_id}/qa", json={"scores": FULL}, headers=supervisor)
    assert again.json()["total"] == 100 and again.json()["id"] == given.json()["id"]
    assert scores(database) == 1
    assert [s["total"] for s in client.get(f"/api/v1/calls/{call_id}/qa").json()] == [100]


def test_it_refuses_a_bad_score_naming_each_item_and_writes_nothing(pbx, client, supervisor, database):
    call_id = answered(pbx, "q1")
    bad = client.post(f"/api/v1/calls/{call_id}/qa", json={"scores": {**FULL, "greeting": 11, "accuracy": "很好", "mood": 3}, "comment": "x" * 2001}, headers=supervisor)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in bad.json()["errors"]} == {"scores.greeting", "scores.accuracy", "scores.mood", "comment"}
    partial = client.post(f"/api/v1/calls/{call_id}/qa", json={"scores": {"greeting": 10}}, headers=supervisor)
    assert partial.status_code == 422 and len(partial.json()["errors"]) == 7
    shape = client.post(f"/api/v1/calls/{call_id}/qa", json={"scores": [1, 2]}, headers=supervisor)
    assert shape.status_code == 422 and shape.json()["errors"][0]["field"] == "scores"
    pbx.post("ringing", "unanswered")
    unanswered = pbx.post("ended", "unanswered", after=20).json()["id"]
    nothing = client.post(f"/api/v1/calls/{unanswered}/qa", json={"scores": FULL}, headers=supervisor)
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "call_id"
    assert client.post("/api/v1/calls/99999/qa", json={"scores": FULL}, headers=supervisor).status_code == 404
    assert scores(database) == 0


def test_it_lets_only_supervisors_score(pbx, client):
    call_id = answered(pbx, "q1")
    _, token = sign_in(client, "agent", demo_org.PASSWORD)
    assert client.post(f"/api/v1/calls/{call_id}/qa", json={"scores": FULL}, headers={"X-CSRF-Token": token}).status_code == 403


def test_it_reports_results_per_agent_and_per_team_worst_first(pbx, client, supervisor, org, database, clock):
    first = answered(pbx, "a1", ext="8001")
    second = answered(pbx, "a2", ext="8001", after=300)
    third = answered(pbx, "b1", ext="8002", after=600)
    client.post(f"/api/v1/calls/{first}/qa", json={"scores": FULL}, headers=supervisor)
    client.post(f"/api/v1/calls/{second}/qa", json={"scores": {**FULL, "accuracy": 0, "order": 0}}, headers=supervisor)  # 65
    client.post(f"/api/v1/calls/{third}/qa", json={"scores": {**FULL, "closing": 0}}, headers=supervisor)  # 90
    agents = client.get("/api/v1/calls/qa/results", params={"from": "2026-11-24"}).json()["rows"]
    assert [(r["name"], r["scored"], r["average"], r["pass_rate"], r["lowest"]) for r in agents] == [("李座席", 2, 82.5, 0.5, 65.0), ("王座席", 1, 90.0, 1.0, 90.0)]
    teams = client.get("/api/v1/calls/qa/results", params={"from": "2026-11-24", "by": "team"}).json()["rows"]
    assert [(r["name"], r["scored"], r["average"]) for r in teams] == [("星城供电公司", 3, 85.0)]
    # The dashboard's QA score is a share like every per-cent figure: 85 points of 100 is 85 %.
    with database.read() as session:
        day = analytics_periods.containing("day", clock.now().astimezone(SHANGHAI).date())
        assert analytics_queries.call_figures(session, actor=org.principal("supervisor"), period=day)["qa_average"] == pytest.approx(0.85)
    assert client.get("/api/v1/calls/qa/results", params={"by": "weather"}).json()["errors"][0]["field"] == "by"


def test_it_samples_a_share_of_each_agents_calls_and_puts_them_first(pbx, client, supervisor, database, clock):
    ids = [answered(pbx, f"s{i}", ext="8001" if i < 30 else "8002", after=60 * i) for i in range(32)]
    out = client.post("/api/v1/calls/qa/sample", json={"from": clock.now().isoformat(), "to": (clock.now() + timedelta(hours=2)).isoformat(), "percent": 10}, headers=supervisor).json()
    assert out["sampled"] == 3 + 1  # 10 % of 李座席's 30 calls, at least one of 王座席's two
    assert set(out["call_ids"]) <= set(ids)
    again = client.post("/api/v1/calls/qa/sample", json={"from": clock.now().isoformat(), "to": (clock.now() + timedelta(hours=2)).isoformat(), "percent": 10}, headers=supervisor).json()
    assert again["sampled"] == 0
    queue = client.get("/api/v1/calls/qa/queue", params={"from": "2026-11-24"}).json()
    assert {c["id"] for c in queue[:4]} == set(out["call_ids"]) and all(c["qa_sampled_at"] for c in queue[:4])
    bad = client.post("/api/v1/calls/qa/sample", json={"percent": 0}, headers=supervisor)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "percent"


def test_every_call_its_caller_rated_dissatisfied_is_reviewed_first_whatever_the_sample(pbx, client, supervisor, database, clock):
    fine = answered(pbx, "d1")
    pbx.post("survey", "d1", after=80, score=4)
    low = answered(pbx, "d2", after=300)
    pbx.post("survey", "d2", after=380, score=2)
    # A survey folded in before the PBX's answered event still counts once the call is answered.
    pbx.post("ringing", "d3", after=600, caller="13812345678", agent_extension="8001")
    pbx.post("survey", "d3", after=700, score=1)
    early = pbx.post("ended", "d3", after=690).json()["id"]
    with database.read() as session:
        assert session.get(CallRecord, early).qa_sampled_at is None  # never answered: nothing to review yet
    pbx.post("answered", "d3", after=605, agent_extension="8001")
    pbx.post("ringing", "d4", after=900)
    pbx.post("ended", "d4", after=920)
    pbx.post("survey", "d4", after=930, score=1)  # unanswered: no agent to review
    with database.read() as session:
        sampled = {c.id: c.qa_sampled_at for c in session.scalars(select(CallRecord))}
    assert {i for i, at in sampled.items() if at} == {low, early}
    queue = client.get("/api/v1/calls/qa/queue", params={"from": "2026-11-24"}).json()
    assert [c["id"] for c in queue] == [early, low, fine] and [c["satisfaction"] for c in queue] == [1, 2, 4]
    # The period's sample adds its share; the dissatisfied calls are in it already.
    out = client.post("/api/v1/calls/qa/sample", json={"from": clock.now().isoformat(), "to": (clock.now() + timedelta(hours=1)).isoformat(), "percent": 1}, headers=supervisor).json()
    assert set(out["call_ids"]) <= {fine} and out["sampled"] <= 1
    page = client.get("/calls/qa", params={"from": "2026-11-24", "to": "2026-11-24"})
    assert page.text.count("1/5 · 不满意") == 1 and page.text.count("2/5 · 不满意") == 1 and "4/5" in page.text and "4/5 · 不满意" not in page.text
    score_page = client.get(f"/calls/qa/{low}")
    assert "来电人评价" in score_page.text and "2/5 · 不满意" in score_page.text


def test_a_sample_covers_a_month_at_most(pbx, client, supervisor, clock):
    answered(pbx, "m1")
    end = clock.now() + timedelta(hours=1)
    month = client.post("/api/v1/calls/qa/sample", json={"from": (end - timedelta(days=31)).isoformat(), "to": end.isoformat()}, headers=supervisor)
    assert month.status_code == 200 and month.json()["sampled"] == 1
    longer = client.post("/api/v1/calls/qa/sample", json={"from": (end - timedelta(days=31, seconds=1)).isoformat(), "to": end.isoformat()}, headers=supervisor)
    assert longer.status_code == 422 and longer.json()["errors"] == [{"field": "to", "reason": "the period may span at most 31 days"}]
    page = client.post("/calls/qa/sample", data={"csrf_token": supervisor["X-CSRF-Token"], "start": "2026-10-24", "end": "2026-11-24"})
    assert page.status_code == 303 and "error=" in page.headers["location"] and "31" in unquote(page.headers["location"])


def test_it_marks_a_large_sample_a_chunk_of_ids_at_a_time(pbx, database, clock, org, monkeypatch):
    ids = [answered(pbx, f"k{i}", after=60 * i) for i in range(5)]
    monkeypatch.setattr(quality, "CHUNK", 2)
    widest: list[int] = []

    def grab(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if "qa_sampled_at" in statement:
            widest.append(len(parameters))

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        with database.write() as session:
            chosen = quality.sample(session, actor=org.principal("supervisor"), now=clock.now(), start=clock.now(), end=clock.now() + timedelta(hours=1), percent=100)
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    assert sorted(chosen) == sorted(ids)
    assert widest and max(widest) <= 2 + 1  # a chunk's ids, and the time they are marked at


def test_the_review_queue_spans_three_months_at_most(pbx, client, supervisor):
    call_id = answered(pbx, "r1")
    quarter = client.get("/api/v1/calls/qa/queue", params={"from": "2026-08-25", "to": "2026-11-24"})  # 92 days
    assert quarter.status_code == 200 and [c["id"] for c in quarter.json()] == [call_id]
    longer = client.get("/api/v1/calls/qa/queue", params={"from": "2026-08-24", "to": "2026-11-24"})
    assert longer.status_code == 422 and longer.json()["errors"] == [{"field": "to", "reason": "the period may span at most 92 days"}]
    assert client.get("/calls/qa", params={"from": "2026-08-25", "to": "2026-11-24"}).status_code == 200
    page = client.get("/calls/qa", params={"from": "2026-08-24", "to": "2026-11-24"})
    # The page stays, with the reason and its dates form on the default week to correct.
    assert page.status_code == 422 and "to：统计周期最长 92 天" in page.text and 'name="from" value="2026-11-18"' in page.text
    stats = client.get("/calls/stats", params={"from": "2025-01-01", "to": "2026-11-24"})
    assert stats.status_code == 422 and "to：统计周期最长 366 天" in stats.text and 'name="from" value="2026-11-18"' in stats.text


def test_it_samples_yesterdays_calls_every_day_on_its_own(pbx, database, clock):
    answered(pbx, "y1")
    clock.advance(timedelta(days=1))
    settings = load_settings()
    sample_yesterday(WorkerContext(db=database, broadcaster=None, settings=settings, clock=clock))  # type: ignore[arg-type]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(CallRecord).where(CallRecord.qa_sampled_at.is_not(None))) == 1


def test_it_replaces_the_checklist_with_a_new_one_and_refuses_a_bad_one(pbx, client, supervisor):
    bad = client.post("/api/v1/calls/qa/checklists", json={"code": "", "name": "新标准", "items": [{"key": "a", "label": "礼貌", "weight": 0}]}, headers=supervisor)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"code", "items[0].weight"}
    items = [{"key": "polite", "label": "礼貌用语", "weight": 40}, {"key": "solved", "label": "一次解决", "weight": 60}]
    made = client.post("/api/v1/calls/qa/checklists", json={"code": "2027", "name": "2027 质检标准", "items": items}, headers=supervisor)
    assert made.status_code == 201 and made.json()["max_total"] == 100
    assert client.get("/api/v1/calls/qa/checklist").json()["code"] == "2027"
    call_id = answered(pbx, "c1")
    assert client.post(f"/api/v1/calls/{call_id}/qa", json={"scores": {"polite": 40, "solved": 30}}, headers=supervisor).json()["total"] == 70
    again = client.post("/api/v1/calls/qa/checklists", json={"code": "2027", "name": "x", "items": items}, headers=supervisor)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "code"


class Recordings(BaseHTTPRequestHandler):
    AUDIO = b"RIFF" + bytes(range(256)) * 40

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path != "/rec/q1.wav":
            self.send_error(404)
            return
        data, status = self.AUDIO, 200
        if "Range" in self.headers:
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            data, status = self.AUDIO[start:], 206
        self.send_response(status)
        self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(self.AUDIO) - 1}/{len(self.AUDIO)}")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:
        return None


@pytest.fixture
def pbx_recordings():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recordings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_it_plays_the_recording_through_the_server_in_the_scoring_page(pbx, client, supervisor, pbx_recordings):
    call_id = answered(pbx, "q1", recording_url=f"{pbx_recordings}/rec/q1.wav")
    page = client.get(f"/calls/qa/{call_id}").text
    assert f'<audio controls preload="none" src="/calls/{call_id}/recording"' in page and 'name="score.greeting"' in page
    whole = client.get(f"/calls/{call_id}/recording")
    assert whole.status_code == 200 and whole.content == Recordings.AUDIO and whole.headers["content-type"] == "audio/wav"
    part = client.get(f"/calls/{call_id}/recording", headers={"Range": "bytes=100-"})
    assert part.status_code == 206 and part.content == Recordings.AUDIO[100:] and part.headers["content-range"].startswith("bytes 100-")
    missing = answered(pbx, "q2", after=200, recording_url=f"{pbx_recordings}/rec/gone.wav")
    assert client.get(f"/calls/{missing}/recording").status_code == 404
    down = answered(pbx, "q3", after=400, recording_url="http://127.0.0.1:9/rec.wav")
    assert client.get(f"/calls/{down}/recording").status_code == 502


def test_it_saves_a_score_from_the_page_and_shows_why_a_bad_one_was_refused(pbx, client, supervisor):
    call_id = answered(pbx, "q1")
    form = {f"score.{k}": str(v) for k, v in FULL.items()} | {"csrf_token": supervisor["X-CSRF-Token"], "comment": "规范"}
    bad = client.post(f"/calls/qa/{call_id}", data={**form, "score.greeting": "12"})
    assert bad.status_code == 303 and "error=" in bad.headers["location"] and "scores.greeting" in client.get(bad.headers["location"]).text
    ok = client.post(f"/calls/qa/{call_id}", data=form)
    assert ok.status_code == 303 and "saved=1" in ok.headers["location"]
    page = client.get(f"/calls/qa/{call_id}").text
    assert "<b>100</b>/100" in page and "规范" in page
    listing = client.get("/calls/qa").text
    assert f'href="/calls/qa/{call_id}"' in listing and "李座席" in listing
