import threading
import time
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from tests.support import aio

from gridcare import jobs, outbox
from gridcare.config import load_settings
from gridcare.jobs import Job
from gridcare.outbox import DEAD, DELIVERED, PENDING, DeliveryError, OutboxRow
from gridcare.pubsub import Broadcaster
from gridcare.worker import Worker, WorkerContext

DELIVERED_LOG: list[tuple[str, int]] = []
LOCK = threading.Lock()
FAILURES: dict[int, int] = {}


@outbox.handler("test.record")
def _record(message, ctx):
    with LOCK:
        if FAILURES.get(message.payload["n"], 0) > 0:
            FAILURES[message.payload["n"]] -= 1
            raise DeliveryError("gateway down")
        DELIVERED_LOG.append((message.key or "", message.payload["n"]))


@outbox.handler("test.reject")
def _reject(message, ctx):
    raise DeliveryError("recipient does not exist", permanent=True)


@pytest.fixture(autouse=True)
def _reset():
    DELIVERED_LOG.clear()
    FAILURES.clear()


def make_worker(db, clock, name, **overrides):
    s = load_settings(outbox_lease_seconds=30, outbox_max_attempts=3, **overrides)
    return Worker(WorkerContext(db=db, broadcaster=Broadcaster(), settings=s, clock=clock), name=name)


def statuses(db):
    with db.read() as session:
        return dict(session.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())


def test_it_writes_nothing_when_the_transaction_rolls_back(database, clock):
    with pytest.raises(RuntimeError):
        with database.write() as session:
            outbox.enqueue(session, topic="test.record", payload={"n": 1}, now=clock.now())
            raise RuntimeError("the state change failed")
    assert statuses(database) == {}


def test_it_delivers_after_a_crash_between_commit_and_delivery(database, clock):
    with database.write() as session:
        outbox.enqueue(session, topic="test.record", payload={"n": 1}, now=clock.now())
    # The first worker claims the row and dies before delivering (nothing marks it done).
    claimed = outbox.claim(database, worker="crashed", now=clock.now(), lease=timedelta(seconds=30), limit=10)
    assert [m.payload for m in claimed] == [{"n": 1}]
    survivor = make_worker(database, clock, "survivor")
    assert survivor.drain() == 0  # the lease still holds
    clock.advance(timedelta(seconds=31))
    assert survivor.drain() == 1
    assert DELIVERED_LOG == [("", 1)]
    assert statuses(database) == {DELIVERED: 1}


def test_it_retries_with_backoff_then_dead_letters(database, clock):
    FAILURES[7] = 99
    with database.write() as session:
        outbox.enqueue(session, topic="test.record", payload={"n": 7}, now=clock.now())
        outbox.enqueue(session, topic="test.reject", payload={"n": 8}, now=clock.now())
    worker = make_worker(database, clock, "w")
    worker.run_once()
    assert statuses(database) == {PENDING: 1, DEAD: 1}
    worker.run_once()  # backoff: not due yet
    with database.read() as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.topic == "test.record")).one()
        assert row.attempts == 1 and row.last_error == "DeliveryError: gateway down"
        assert row.available_at == clock.now() + outbox.backoff(1)
    for _ in range(3):
        clock.advance(timedelta(hours=1))
        worker.run_once()
    assert statuses(database) == {DEAD: 2}
    assert DELIVERED_LOG == []


def test_it_keeps_order_per_recipient_while_an_earlier_message_waits(database, clock):
    FAILURES[1] = 1
    with database.write() as session:
        for n in (1, 2, 3):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now(), key="13800000000")
        outbox.enqueue(session, topic="test.record", payload={"n": 4}, now=clock.now(), key="other")
    worker = make_worker(database, clock, "w")
    worker.drain()
    assert DELIVERED_LOG == [("other", 4)]  # 2 and 3 wait behind the failed 1
    clock.advance(timedelta(minutes=5))
    worker.drain()
    assert DELIVERED_LOG == [("other", 4), ("13800000000", 1), ("13800000000", 2), ("13800000000", 3)]


def attempts(db):
    with db.read() as session:
        return {r.payload["n"]: (r.status, r.attempts) for r in session.scalars(select(OutboxRow))}


def test_a_recipient_s_queued_messages_go_in_one_round_in_order(database, clock):
    with database.write() as session:
        for n in range(1, 21):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now(), key="rep-13")
        outbox.enqueue(session, topic="test.record", payload={"n": 99}, now=clock.now(), key="rep-14")
    assert make_worker(database, clock, "w").run_once() == 21  # one a round before
    assert [n for key, n in DELIVERED_LOG if key == "rep-13"] == list(range(1, 21))
    assert statuses(database) == {DELIVERED: 21}


def test_after_a_failure_the_rest_of_its_recipient_s_round_goes_back_untried(database, clock):
    FAILURES[3] = 1
    with database.write() as session:
        for n in range(1, 6):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now(), key="rep-13")
    worker = make_worker(database, clock, "w")
    worker.run_once()
    assert DELIVERED_LOG == [("rep-13", 1), ("rep-13", 2)]
    assert attempts(database) == {1: (DELIVERED, 1), 2: (DELIVERED, 1), 3: (PENDING, 1), 4: (PENDING, 0), 5: (PENDING, 0)}
    worker.drain()
    assert DELIVERED_LOG == [("rep-13", 1), ("rep-13", 2)]  # 4 and 5 wait behind 3's back-off
    clock.advance(timedelta(minutes=5))
    worker.drain()
    assert [n for _key, n in DELIVERED_LOG] == [1, 2, 3, 4, 5]
    assert attempts(database)[4] == (DELIVERED, 1)


def test_a_message_not_yet_due_holds_back_those_behind_it(database, clock):
    with database.write() as session:
        outbox.enqueue(session, topic="test.record", payload={"n": 1}, now=clock.now(), key="rep-13")
        outbox.enqueue(session, topic="test.record", payload={"n": 2}, now=clock.now(), key="rep-13", not_before=clock.now() + timedelta(hours=1))
        outbox.enqueue(session, topic="test.record", payload={"n": 3}, now=clock.now(), key="rep-13")
    worker = make_worker(database, clock, "w")
    worker.drain()
    assert DELIVERED_LOG == [("rep-13", 1)]
    clock.advance(timedelta(hours=1))
    worker.drain()
    assert DELIVERED_LOG == [("rep-13", 1), ("rep-13", 2), ("rep-13", 3)]


def test_a_batch_handler_gets_a_recipient_s_messages_one_wave_after_another(database, clock):
    BATCHES.clear()
    with database.write() as session:
        for n in (1, 2, 4):
            outbox.enqueue(session, topic="test.batch", payload={"n": n}, now=clock.now(), key="rep-13")
        outbox.enqueue(session, topic="test.record", payload={"n": 5}, now=clock.now(), key="rep-13")  # another topic: its own round
        outbox.enqueue(session, topic="test.batch", payload={"n": 6}, now=clock.now(), key="rep-14")
    worker = make_worker(database, clock, "w")
    assert worker.run_once() == 4
    assert BATCHES == [[1, 6], [2], [4]] and DELIVERED_LOG == []
    worker.run_once()
    assert DELIVERED_LOG == [("rep-13", 5)]


@pytest.mark.postgres
def test_workers_sharing_a_queue_keep_each_recipient_s_order_on_postgresql(postgres_database, clock):
    db = postgres_database
    with db.write() as session:
        for n in range(400):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now(), key=f"rep-{n % 7}")
    for n in (40, 41, 200):
        FAILURES[n] = 1  # each holds its recipient up until the clock moves
    workers = [make_worker(db, clock, f"w{i}", outbox_batch_size=9) for i in range(4)]

    def drain_all():
        threads = [threading.Thread(target=w.drain, kwargs={"max_rounds": 1000}) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    drain_all()
    clock.advance(timedelta(minutes=5))
    drain_all()
    assert sorted(n for _key, n in DELIVERED_LOG) == list(range(400))
    for r in range(7):
        assert [n for key, n in DELIVERED_LOG if key == f"rep-{r}"] == list(range(r, 400, 7))
    assert statuses(db) == {DELIVERED: 400}


def test_it_never_lets_two_workers_deliver_the_same_row_on_postgresql(postgres_database, clock):
    db = postgres_database
    with db.write() as session:
        for n in range(400):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now())
    workers = [make_worker(db, clock, f"w{i}", outbox_batch_size=7) for i in range(4)]
    threads = [threading.Thread(target=w.drain, kwargs={"max_rounds": 1000}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [n for _key, n in DELIVERED_LOG]
    assert len(numbers) == 400
    assert sorted(numbers) == list(range(400))
    assert statuses(db) == {DELIVERED: 400}


def test_it_pushes_outbox_events_to_subscribers(database, clock):
    import asyncio

    from gridcare.pubsub import PushEvent

    broadcaster = Broadcaster()
    worker = Worker(WorkerContext(db=database, broadcaster=broadcaster, settings=load_settings(), clock=clock), name="w")

    async def scenario() -> PushEvent:
        async with broadcaster.subscribe(["user:5"]) as queue:
            with database.write() as session:
                outbox.enqueue(session, topic="push", payload={"channel": "user:5", "event": "notice", "data": {"text": "新工单"}}, now=clock.now())
            await asyncio.to_thread(worker.drain)
            return await asyncio.wait_for(queue.get(), 2)

    event = aio.run(scenario())
    assert event == PushEvent("user:5", "notice", {"text": "新工单"})


def test_it_claims_rows_in_the_order_they_fell_due_not_the_order_they_were_written(database, clock):
    with database.write() as session:
        outbox.enqueue(session, topic="test.record", payload={"n": 1}, now=clock.now(), not_before=clock.now() + timedelta(minutes=10))
        for n in (2, 3):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now())
    first = outbox.claim(database, worker="w", now=clock.now(), lease=timedelta(seconds=30), limit=1)
    assert [m.payload["n"] for m in first] == [2]
    # A lease that ran out puts its row back, ahead of rows that fell due after it.
    clock.advance(timedelta(minutes=1))
    with database.write() as session:
        outbox.enqueue(session, topic="test.record", payload={"n": 4}, now=clock.now())
    again = outbox.claim(database, worker="v", now=clock.now(), lease=timedelta(hours=1), limit=2)
    assert [(m.payload["n"], m.attempts) for m in again] == [(2, 2), (3, 1)]
    clock.advance(timedelta(minutes=10))
    rest = outbox.claim(database, worker="v", now=clock.now(), lease=timedelta(seconds=30), limit=10)
    assert sorted(m.payload["n"] for m in rest) == [1, 4]


@pytest.mark.postgres
def test_postgresql_claims_from_the_open_rows_index_only(postgres_database, clock):
    db = postgres_database
    with db.write() as session:
        for n in range(50):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now(), key=f"r{n % 5}")
    make_worker(db, clock, "w").drain()
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        outbox.claim(db, worker="w", now=clock.now(), lease=timedelta(seconds=30), limit=10)
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    statement, parameters = next((s, p) for s, p in statements if "SKIP LOCKED" in s)
    # The statuses are in the text, so that a generic plan can use the partial indexes too.
    assert "'pending'" in statement and "'processing'" in statement
    with db.read() as session:
        session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in session.connection().exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "ix_outbox_pending" in plan and "pk_outbox" not in plan, plan


BATCHES: list[list[int]] = []


@outbox.batch_handler("test.batch")
def _batch(messages, ctx):
    BATCHES.append([m.payload["n"] for m in messages])
    if any(m.payload["n"] < 0 for m in messages):
        raise RuntimeError("the gateway refused the whole batch")
    return outbox.BatchOutcome({m.id: (DeliveryError("no such recipient") if m.payload["n"] == 3 else None) for m in messages})


def test_a_batch_handler_takes_its_topics_messages_at_once_and_fails_them_one_by_one(database, clock):
    BATCHES.clear()
    with database.write() as session:
        for n in (1, 2, 3):
            outbox.enqueue(session, topic="test.batch", payload={"n": n}, now=clock.now())
        outbox.enqueue(session, topic="test.record", payload={"n": 4}, now=clock.now())
    worker = make_worker(database, clock, "w")
    worker.run_once()
    assert BATCHES == [[1, 2, 3]] and DELIVERED_LOG == [("", 4)]
    assert statuses(database) == {DELIVERED: 3, PENDING: 1}  # only the failed one goes round again
    clock.advance(timedelta(minutes=5))
    worker.run_once()
    assert BATCHES == [[1, 2, 3], [3]]
    with database.write() as session:
        outbox.enqueue(session, topic="test.batch", payload={"n": -1}, now=clock.now())
    worker.run_once()
    with database.read() as session:
        failed = session.scalars(select(OutboxRow).where(OutboxRow.payload["n"].as_integer() == -1)).one()
    assert failed.status == PENDING and "refused the whole batch" in failed.last_error


def _delivered(n: int, why: str) -> None:
    deadline = time.monotonic() + 10
    while len(DELIVERED_LOG) < n:
        assert time.monotonic() < deadline, why
        time.sleep(0.02)


def _goes_out_while_held(database, clock, started: threading.Event, release: threading.Event, *, what: str) -> None:
    """A worker runs until ``what`` has started and holds on ``release``; a row enqueued
    then is delivered meanwhile, and everything is delivered once it lets go."""
    worker = make_worker(database, clock, "w", worker_poll_seconds=0.05)
    thread = worker.start_thread()
    try:
        assert started.wait(10), f"the {what} never ran"
        with database.write() as session:
            outbox.enqueue(session, topic="test.record", payload={"n": 1}, now=clock.now())
        _delivered(1, f"the row waited for the {what}")
        assert not release.is_set() and thread.is_alive()
    finally:
        release.set()
        worker.stop()
        thread.join(30)
    assert not thread.is_alive()


def test_a_job_that_runs_long_holds_no_delivery_up(database, clock, monkeypatch):
    """A worker back from downtime catches up on a sweep of missed deadlines while a storm's
    pop-ups are due: those go out while the job is still running."""
    started, release = threading.Event(), threading.Event()

    def slow(ctx):
        started.set()
        release.wait(60)

    monkeypatch.setattr(jobs, "JOBS", {"test.slow": Job("test.slow", timedelta(hours=1), slow)})
    _goes_out_while_held(database, clock, started, release, what="job")
    assert statuses(database) == {DELIVERED: 1}


def test_a_lane_claims_only_its_topics_and_the_first_lane_every_other(database, clock, monkeypatch):
    monkeypatch.setattr(outbox, "LANES", {"test.slow": "slow", "test.slower": "slow", "test.own": "own"})
    first, own, slow = outbox.lanes()
    assert first == outbox.Lane(besides=frozenset({"test.slow", "test.slower", "test.own"}))
    assert own.only == {"test.own"} and slow.only == {"test.slow", "test.slower"}
    with database.write() as session:
        for n, topic in enumerate(("test.slow", "test.record", "test.own", "test.slower", "test.record"), start=1):
            outbox.enqueue(session, topic=topic, payload={"n": n}, now=clock.now())

    def taken(lane):
        return sorted(m.payload["n"] for m in outbox.claim(database, worker="w", now=clock.now(), lease=timedelta(seconds=30), limit=10, lane=lane))

    assert (taken(slow), taken(first), taken(own), taken(outbox.EVERY)) == ([1, 4], [2, 5], [3], [])


def test_a_handler_in_a_lane_of_its_own_holds_no_other_delivery_up(database, clock, monkeypatch):
    """Triage merging a storm's calls runs for seconds; a rep's pop-up due meanwhile goes out."""
    started, release = threading.Event(), threading.Event()

    def slow(message, ctx):
        started.set()
        release.wait(60)

    monkeypatch.setitem(outbox.HANDLERS, "test.slow", slow)
    monkeypatch.setattr(outbox, "LANES", {"test.slow": "slow"})
    with database.write() as session:
        outbox.enqueue(session, topic="test.slow", payload={"n": 0}, now=clock.now())
    _goes_out_while_held(database, clock, started, release, what="slow handler")
    assert statuses(database) == {DELIVERED: 2}


def test_a_lane_that_just_had_work_looks_again_before_its_idle_poll(database, clock):
    """In a storm a claim can come back empty between two commits of intake: the next
    pop-ups must not wait out the idle poll."""
    worker = make_worker(database, clock, "w", worker_poll_seconds=60)
    with database.write() as session:
        outbox.enqueue(session, topic="test.record", payload={"n": 1}, now=clock.now())
    thread = worker.start_thread()
    try:
        _delivered(1, "the worker never delivered")
        time.sleep(0.3)  # its next claims come back empty
        with database.write() as session:
            outbox.enqueue(session, topic="test.record", payload={"n": 2}, now=clock.now())
        _delivered(2, "the row waited for the idle poll")
    finally:
        worker.stop()
        thread.join(30)
    assert DELIVERED_LOG == [("", 1), ("", 2)]


def test_a_worker_behind_claims_more_each_round_and_comes_back_down_once_caught_up(database, clock):
    """Each round costs a claim and a finish, and on SQLite each is a turn of the one
    writer: a worker whose rows wait must take bigger rounds to catch up."""
    with database.write() as session:
        for n in range(520):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now())
    clock.advance(timedelta(seconds=2))  # they have waited
    worker = make_worker(database, clock, "w", outbox_batch_size=40)
    rounds = []
    while handled := worker.deliver_once():
        rounds.append((handled, worker.claim_limits[outbox.EVERY]))
    # 240 of 320 is more than half full: it stays; the empty round halves it.
    assert rounds == [(40, 80), (80, 160), (160, 320), (240, 320)] and worker.claim_limits[outbox.EVERY] == 160
    assert sorted(n for _key, n in DELIVERED_LOG) == list(range(520))
    with database.write() as session:
        outbox.enqueue(session, topic="test.record", payload={"n": 9}, now=clock.now())
    assert worker.deliver_once() == 1 and worker.claim_limits[outbox.EVERY] == 80


def test_a_worker_that_keeps_up_claims_its_batch_size(database, clock):
    with database.write() as session:
        for n in range(120):
            outbox.enqueue(session, topic="test.record", payload={"n": n}, now=clock.now())
    clock.advance(outbox.CLAIM_GROWTH_LAG / 2)
    worker = make_worker(database, clock, "w", outbox_batch_size=40)
    assert [worker.deliver_once() for _ in range(4)] == [40, 40, 40, 0] and worker.claim_limits[outbox.EVERY] == 40


@given(limit=st.integers(1, 4000), base=st.integers(1, 500), claimed=st.integers(0, 4000), lag_ms=st.none() | st.integers(0, 10_000))
def test_the_claim_limit_stays_between_the_batch_size_and_its_most(limit, base, claimed, lag_ms):
    limit = min(max(limit, base), base * outbox.CLAIM_GROWTH_MOST)
    claimed = min(claimed, limit)
    lag = None if lag_ms is None else timedelta(milliseconds=lag_ms)
    after = outbox.next_claim_limit(limit, base=base, claimed=claimed, lag=lag)
    assert base <= after <= base * outbox.CLAIM_GROWTH_MOST
    behind = claimed == limit and lag is not None and lag >= outbox.CLAIM_GROWTH_LAG
    assert (after > limit) == (behind and limit < base * outbox.CLAIM_GROWTH_MOST)
    assert (after < limit) == (claimed < limit / 2 and limit > base)
