"""Workers of scaled mode share what each feeder's last triage analysis weighed (Redis), and
take turns per feeder, so that two workers do not analyse one storm twice."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from gridcare.config import load_settings
from gridcare.main import load_plugins
from gridcare.outages import coverage as cov
from gridcare.outages import service as outages
from gridcare.outages import storm
from gridcare.outages.storm import TRIAGE_DELAY
from gridcare.pubsub import Broadcaster
from gridcare.worker import Worker, WorkerContext
from gridcare.workorders import service
from gridcare.workorders.models import WorkOrder
from tests.support import area
from tests.support import org as demo_org

# The test area: SUB → F1 → {T1, SW1 → T2}; E001 is under T1, E002 and E003 under T2.
FEEDER = ("electric", "F1")


@pytest.fixture
def org(database, clock, monkeypatch):
    monkeypatch.setenv("GRIDCARE_TRIAGE_RULES", "leaf=2")
    o = demo_org.load(database, clock)
    area.load(o, clock)
    load_plugins(load_settings())
    return o


@pytest.fixture
def shared(redis_url, database):
    """A clean namespace: test databases are truncated and their ids drawn again."""
    client = redis.Redis.from_url(redis_url)
    namespace = cov.namespace_of(database.url)
    for key in client.scan_iter(f"gridcare:{namespace}:*"):
        client.delete(key)
    client.close()
    return lambda: cov.SharedCoverage(redis_url, namespace=namespace)


def take(db, clock, org, account, key):
    with db.write() as session:
        intake = service.Intake(category="repair", channel="hotline", account=account, description="停电了", idempotency_key=key)
        return service.create_order(session, actor=org.principal("agent"), now=clock.now(), intake=intake).order.id


def worker(db, clock, redis_url, name):
    settings = load_settings(redis_url=redis_url, outbox_batch_size=1)
    return Worker(WorkerContext(db=db, broadcaster=Broadcaster(), settings=settings, clock=clock), name=name)


def test_two_workers_taking_turns_at_a_storm_analyse_its_feeder_once(database, clock, org, redis_url, shared):
    ids = [take(database, clock, org, account, f"k{i}") for i, account in enumerate(["E002", "E003"])]
    a, b = worker(database, clock, redis_url, "a"), worker(database, clock, redis_url, "b")
    while a.deliver_once():  # the dispatch pop-ups, on time: no claim grows for them
        pass
    clock.advance(TRIAGE_DELAY)
    # One call each, in turn, as two worker processes claiming one queue would.
    while a.deliver_once() + b.deliver_once():
        pass
    analyses = [w.ctx.extras["triage_coverage"].analyses for w in (a, b)]
    assert sorted(analyses) == [0, 1], analyses  # each analysing for itself: [1, 1]
    with database.read() as session:
        (outage,) = outages.list_outages(session, actor=org.principal("supervisor"), status="predicted")
        status = dict(session.execute(select(WorkOrder.id, WorkOrder.status).where(WorkOrder.id.in_(ids))).all())
    assert outage.master_order_id == ids[0]
    assert status[ids[0]] != "merged" and status[ids[1]] == "merged"


def test_a_worker_waits_for_another_s_analysis_of_the_feeder_then_finds_its_call_weighed(database, clock, org, shared):
    first, second = take(database, clock, org, "E002", "a"), take(database, clock, org, "E003", "b")
    clock.advance(TRIAGE_DELAY)
    a, b = shared(), shared()
    taken_at = clock.now().timestamp()
    done: list[list[str]] = []
    with a.turn(FEEDER):
        waiting = threading.Thread(target=lambda: done.append(storm.triage_call(database, now=clock.now(), supply_point="T2", utility="electric", order_id=second, taken_at=taken_at, coverage=b)))
        waiting.start()
        time.sleep(0.3)
        assert waiting.is_alive() and not done  # its turn has not come
        predicted = storm._triage(database, now=clock.now(), supply_point="T2", utility="electric", coverage=a)
    waiting.join(timeout=10)
    assert predicted == ["T2"] and done == [[]]
    assert (a.analyses, b.analyses) == (1, 0)
    assert b.covered("electric", "T2", first)  # learnt: b's next calls of the feeder need no Redis


def test_a_turn_a_dead_worker_left_holds_another_up_a_second_at_most(database, clock, org, shared):
    first, second = take(database, clock, org, "E002", "a"), take(database, clock, org, "E003", "b")
    clock.advance(TRIAGE_DELAY)
    dead, alive = shared(), shared()
    dead._client.lock(dead._key(FEEDER) + ":turn", timeout=cov.TURN_SECONDS).acquire()  # and never released
    started = time.monotonic()
    assert storm.triage_call(database, now=clock.now(), supply_point="T2", utility="electric", order_id=second, coverage=alive) == ["T2"]
    assert cov.WAIT_SECONDS <= time.monotonic() - started < cov.TURN_SECONDS
    assert alive.analyses == 1 and alive.covered("electric", "T2", first)


def test_a_call_taken_after_the_analysis_is_not_covered_though_its_id_is_listed(clock, shared):
    # After a restore from a backup, order ids are drawn again; a record may name them from before.
    a, b = shared(), shared()
    at = clock.now().timestamp()
    a.weighed(FEEDER, frozenset({7, 8}), at=at)
    assert b.covers(FEEDER, 7, taken_at=at - 1) and b.covers(FEEDER, 8)
    assert not b.covers(FEEDER, 7, taken_at=at + 60)
    assert not b.covers(FEEDER, 9, taken_at=at - 1)


def test_an_older_shared_record_does_not_replace_a_newer_one_of_this_worker(clock, shared):
    a, b = shared(), shared()
    at = clock.now().timestamp()
    b.weighed(FEEDER, frozenset({1, 2, 3}), at=at)
    a.weighed(FEEDER, frozenset({1}), at=at - 5)  # a's analysis began earlier and ended later
    assert b.covers(FEEDER, 3) and b.seen[FEEDER] == frozenset({1, 2, 3})


def test_with_redis_down_each_worker_triages_for_itself(database, clock, org):
    down = cov.SharedCoverage("redis://127.0.0.1:1/0", namespace="down")  # nothing listens on port 1
    first, second = take(database, clock, org, "E002", "a"), take(database, clock, org, "E003", "b")
    clock.advance(TRIAGE_DELAY)
    assert storm.triage_call(database, now=clock.now(), supply_point="T2", utility="electric", order_id=second, coverage=down) == ["T2"]
    assert down.analyses == 1 and down.covered("electric", "T2", first)
    with database.read() as session:
        assert session.get(WorkOrder, second).parent_id == first


@given(st.frozensets(st.integers(min_value=-(2**63), max_value=2**63 - 1)), st.floats(allow_nan=False))
def test_a_record_reads_back_as_written(ids, at):
    assert cov.decode(cov.encode(at, ids)) == (at, ids)
