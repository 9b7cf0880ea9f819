"""A long-running process settles its heap once started: start-up's objects frozen out of
the collector's sight, and the young generation collected every 20,000 allocations."""

from __future__ import annotations

import gc
import weakref

from gridcare import heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def _settled(test):  # restores the process's collector afterwards
    def run() -> None:
        before, frozen = gc.get_threshold(), gc.get_freeze_count()
        try:
            test()
        finally:
            if not frozen:
                gc.unfreeze()
            gc.set_threshold(*before)

    run.__name__ = test.__name__
    return run


@_settled
def test_settle_freezes_what_start_up_built_and_raises_the_thresholds():
    gc.unfreeze()
    built = [{"route": i} for i in range(1000)]
    heap.settle()
    assert gc.get_threshold() == (20_000, 50, 50)
    assert gc.get_freeze_count() >= len(built)


@_settled
def test_a_cycle_waits_for_20000_allocations_and_is_then_collected_without_being_asked():
    heap.settle()
    gc.collect()
    node = _Node()
    gone = weakref.ref(node)
    del node
    kept = [[] for _ in range(15_000)]
    assert gone() is not None  # not collected yet: the young generation holds < 20,000
    kept += [[] for _ in range(10_000)]
    assert gone() is None
