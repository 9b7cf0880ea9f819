"""Run a coroutine to completion on a fresh loop in its own thread.

Playwright's sync API keeps an event loop running in the test process's main thread for the
whole session, so ``asyncio.run`` there fails once a browser test has run in that worker."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed to the caller below
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout)
    if "error" in result:
        raise result["error"]
    if "value" not in result:
        raise TimeoutError("coroutine did not finish")
    return result["value"]
