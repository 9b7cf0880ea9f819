import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import delete, select, text, update
from tests.support import org as demo_org

from gridcare.audit import service as audit
from gridcare.audit.models import AuditEntry, AuditStreamHead
from gridcare.auth import service as auth


def verify_cli(db, tmp_path):
    env = {**os.environ, "GRIDCARE_DATABASE_URL": db.url, "GRIDCARE_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "gridcare.cli", "audit", "verify"], capture_output=True, text=True, env=env, timeout=120)


def change_some_users(db, clock, org):
    admin = org.principal("admin")
    with db.write() as session:
        auth.set_active(session, actor=admin, now=clock.now(), user_id=org.user_id("viewer"), active=False)
        auth.set_active(session, actor=admin, now=clock.now(), user_id=org.user_id("viewer"), active=True)


def test_it_records_who_what_and_before_after_in_the_same_transaction(database, clock):
    org = demo_org.load(database, clock)
    change_some_users(database, clock, org)
    with database.read() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.stream == f"user:{org.user_id('viewer')}").order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["user.create", "user.deactivate", "user.activate"]
    assert entries[1].actor == "admin" and entries[1].origin == "test"
    assert '"is_active":true' in entries[1].before and '"is_active":false' in entries[1].after
    assert "password" not in entries[0].after


def test_it_leaves_no_entry_when_the_change_is_rolled_back(database, clock):
    org = demo_org.load(database, clock)
    with database.read() as session:
        before = audit.count_entries(session)
    try:
        with database.write() as session:
            auth.unlock(session, actor=org.principal("admin"), now=clock.now(), user_id=org.user_id("rep"))
            raise RuntimeError("later step failed")
    except RuntimeError:
        pass
    with database.read() as session:
        assert audit.count_entries(session) == before


def test_it_verifies_an_intact_trail_from_the_command_line(database, clock, tmp_path):
    org = demo_org.load(database, clock)
    change_some_users(database, clock, org)
    result = verify_cli(database, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "audit trail intact" in result.stdout


def test_it_fails_verification_when_an_entry_is_edited_with_sql(database, clock, tmp_path):
    org = demo_org.load(database, clock)
    change_some_users(database, clock, org)
    stream = f"user:{org.user_id('viewer')}"
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'someone_else' WHERE stream = :s AND seq = 2"), {"s": stream})
    result = verify_cli(database, tmp_path)
    assert result.returncode == 1
    assert f"audit trail broken at stream {stream} seq 2" in result.stderr


def test_it_fails_verification_when_the_last_entry_is_deleted(database, clock, tmp_path):
    org = demo_org.load(database, clock)
    change_some_users(database, clock, org)
    stream = f"user:{org.user_id('viewer')}"
    with database.write() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.stream == stream, AuditEntry.seq == 3))
    result = verify_cli(database, tmp_path)
    assert result.returncode == 1 and "deleted" in result.stderr


def test_it_catches_a_whole_stream_removed_after_a_checkpoint(database, clock):
    org = demo_org.load(database, clock)
    with database.write() as session:
        assert audit.seal_checkpoint(session, at=clock.now()) is not None
    clock.advance(timedelta(minutes=10))
    with database.write() as session:
        assert audit.seal_checkpoint(session, at=clock.now()) is None  # nothing changed
    stream = f"user:{org.user_id('rep')}"
    with database.write() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.stream == stream))
        session.execute(delete(AuditStreamHead).where(AuditStreamHead.stream == stream))
    with database.read() as session:
        report = audit.verify(session)
    assert report.broken is not None
    assert report.broken.where == f"stream {stream} seq 1" and "sealed by checkpoint 1" in report.broken.reason


def test_it_catches_a_consistently_forged_stream_through_the_checkpoint(database, clock):
    org = demo_org.load(database, clock)
    with database.write() as session:
        audit.seal_checkpoint(session, at=clock.now())
    stream = f"user:{org.user_id('rep')}"
    # Rewrite the entry and its hash and the head, as someone who knows the algorithm would.
    from gridcare.audit.chain import GENESIS, EntryContent, entry_hash

    with database.write() as session:
        row = session.scalars(select(AuditEntry).where(AuditEntry.stream == stream)).one()
        forged = EntryContent(row.stream, row.seq, row.at, "intruder", row.origin, row.action, row.entity, row.entity_id, row.before, row.after)
        digest = entry_hash(forged, GENESIS)
        session.execute(update(AuditEntry).where(AuditEntry.id == row.id).values(actor="intruder", hash=digest))
        session.execute(update(AuditStreamHead).where(AuditStreamHead.stream == stream).values(hash=digest))
    with database.read() as session:
        report = audit.verify(session)
    assert report.broken is not None and "differs from what checkpoint 1 sealed" in report.broken.reason


def test_it_seals_checkpoints_from_the_worker_on_schedule(database, clock):
    from gridcare.config import load_settings
    from gridcare.main import load_plugins
    from gridcare.pubsub import Broadcaster
    from gridcare.worker import Worker, WorkerContext

    s = load_settings()
    load_plugins(s)
    demo_org.load(database, clock)
    worker = Worker(WorkerContext(db=database, broadcaster=Broadcaster(), settings=s, clock=clock), name="w")
    worker.run_once()
    worker.run_once()  # same instant: the job is not due again
    with database.read() as session:
        assert audit.verify(session).checkpoints == 1


def test_it_verifies_across_pages_and_finds_an_edit_on_a_later_page(database, clock, monkeypatch):
    from gridcare.audit import service as audit_service

    org = demo_org.load(database, clock)
    change_some_users(database, clock, org)
    with database.read() as session:
        whole = audit.verify(session)
    monkeypatch.setattr(audit_service, "_PAGE", 3)  # pages end inside streams and between them
    with database.read() as session:
        paged = audit.verify(session)
        assert paged.ok and (paged.streams, paged.entries) == (whole.streams, whole.entries) and whole.entries > 9
        last = session.execute(select(AuditEntry.stream, AuditEntry.seq).order_by(AuditEntry.stream.desc(), AuditEntry.seq.desc()).limit(1)).one()
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'someone_else' WHERE stream = :s AND seq = :q"), {"s": last.stream, "q": last.seq})
    with database.read() as session:
        broken = audit.verify(session).broken
    assert broken is not None and broken.where == f"stream {last.stream} seq {last.seq}"
