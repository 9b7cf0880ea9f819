import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from gridcare.audit.chain import (
    GENESIS,
    EntryContent,
    StoredCheckpoint,
    StoredEntry,
    canonical_json,
    checkpoint_hash,
    entry_hash,
    verify_checkpoints,
    verify_stream,
)

T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def chain(n: int, stream: str = "order:1") -> list[StoredEntry]:
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        content = EntryContent(stream, i, T0 + timedelta(seconds=i), "agent", "web 10.0.0.1", "order.update", "order", "1", canonical_json({"n": i - 1}), canonical_json({"n": i}))
        digest = entry_hash(content, prev)
        entries.append(StoredEntry(content, prev, digest))
        prev = digest
    return entries


def test_it_accepts_an_intact_chain():
    entries = chain(5)
    assert verify_stream("order:1", entries, (5, entries[-1].hash)) is None


def test_it_hashes_the_same_instant_the_same_whatever_its_zone():
    from zoneinfo import ZoneInfo

    c = chain(1)[0].content
    shanghai = dataclasses.replace(c, at=c.at.astimezone(ZoneInfo("Asia/Shanghai")))
    assert entry_hash(c, GENESIS) == entry_hash(shanghai, GENESIS)


FIELDS = ["actor", "origin", "action", "entity", "entity_id", "before", "after"]


@given(st.integers(0, 4), st.sampled_from(FIELDS), st.text(min_size=1, max_size=8))
def test_it_detects_any_changed_field_and_names_the_entry(index, field, junk):
    entries = chain(5)
    original = getattr(entries[index].content, field)
    changed = dataclasses.replace(entries[index].content, **{field: original + junk})
    entries[index] = dataclasses.replace(entries[index], content=changed)
    broken = verify_stream("order:1", entries, (5, entries[-1].hash))
    assert broken is not None
    assert broken.where == f"stream order:1 seq {index + 1}"


def test_it_detects_a_deleted_middle_entry_and_a_deleted_last_entry():
    entries = chain(5)
    middle = verify_stream("order:1", entries[:2] + entries[3:], (5, entries[-1].hash))
    assert middle is not None and "seq 3" in middle.where and "missing" in middle.reason
    last = verify_stream("order:1", entries[:4], (5, entries[-1].hash))
    assert last is not None and "deleted" in last.reason


def test_it_detects_a_rewritten_chain_through_the_checkpoint():
    entries = chain(3)
    heads = canonical_json({"order:1": [3, entries[-1].hash]})
    cp = StoredCheckpoint(1, T0, heads, GENESIS, checkpoint_hash(heads, T0, GENESIS))
    assert verify_checkpoints([cp], {("order:1", 3): entries[-1].hash}) is None
    # An attacker rebuilt the whole stream consistently: the stream verifies, the seal does not.
    forged = verify_checkpoints([cp], {("order:1", 3): "f" * 64})
    assert forged is not None and "differs" in forged.reason
    gone = verify_checkpoints([cp], {})
    assert gone is not None and "missing" in gone.reason


def test_it_detects_a_removed_checkpoint_in_the_middle():
    heads = canonical_json({})
    first = StoredCheckpoint(1, T0, heads, GENESIS, checkpoint_hash(heads, T0, GENESIS))
    second = StoredCheckpoint(2, T0, heads, first.hash, checkpoint_hash(heads, T0, first.hash))
    third = StoredCheckpoint(3, T0, heads, second.hash, checkpoint_hash(heads, T0, second.hash))
    assert verify_checkpoints([first, second, third], {}) is None
    broken = verify_checkpoints([first, third], {})
    assert broken is not None and broken.where == "checkpoint 3"
