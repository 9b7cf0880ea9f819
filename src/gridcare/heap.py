"""The garbage collector's settings for a long-running process (a web process, a worker).

An intake allocates thousands of short-lived objects (ORM rows, parameter dicts, response
models). At Python's default thresholds (700, 10, 10) a web process in a storm collected its
young generation ~45 times a second and its whole heap every few seconds, and each pass also
walked the objects of the requests still in flight and the caches filled since start-up:
0.8–1.0 s of a 15 s storm went to the collector, with single pauses of up to 130 ms. At
(20,000, 50, 50) it was 0.08–0.18 s, and scaled mode took 9–16 % more orders a second in four of five runs
(docs/benchmarks.md, session 22). Reference cycles are still collected: the young
generation is a few MB at most, and the older generations keep running, less often."""

from __future__ import annotations

import gc

YOUNG = 20_000
MIDDLE = 50
OLD = 50


def settle() -> None:
    """After start-up: what it built (routes, templates, catalogs) lives as long as the process,
    out of the collector's sight, and the generations are collected less often."""
    gc.freeze()
    gc.set_threshold(YOUNG, MIDDLE, OLD)
