"""A real uvicorn server in a thread, for the browser and push tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    port = free_port()
    # A page left open holds its /events stream: waiting for it to end took every such test
    # its full 10 s join; a second is enough for requests in flight.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def live_site(database, clock, data_dir, **overrides) -> Iterator[str]:  # noqa: ANN001
    """The whole app on ``database`` with the test clock, no worker unless asked for."""
    from gridcare.config import load_settings
    from gridcare.main import create_app

    run_worker = overrides.pop("run_worker", False)
    settings = load_settings(data_dir=data_dir, database_url=database.url, secret_key="browser-test-secret-0123456789", **overrides)
    with live_server(create_app(settings, db=database, clock=clock, run_worker=run_worker)) as url:
        yield url
