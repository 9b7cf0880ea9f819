"""gridcare as real processes (``gridcare serve``, ``gridcare worker``) for the crash tests, and
a Redis or PostgreSQL server of the test's own that it may stop and start."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from gridcare.auth import service as auth
from gridcare.core.principal import system_principal
from gridcare.db import Database
from tests.support import org as demo_org
from tests.support.live import free_port


class Process:
    """One ``gridcare …`` command in its own process group, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, **extra_env: str) -> Process:
        with open(self.log, "ab") as out:
            out.write(f"\n--- start {' '.join(self.args)} {extra_env}\n".encode())
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gridcare.cli", *self.args],
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed; what was committed is all there is."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def wait_ready(base: str, process: Process, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.proc is not None and process.proc.poll() is None, f"the server exited:\n{process.output()}"
        try:
            r = httpx.get(base + "/readyz", timeout=2)
            # Ready, and so is the embedded worker child when serve runs one.
            if r.status_code == 200 and r.json()["checks"].get("worker", "ok") == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server did not become ready:\n{process.output()}")


def base_env(**settings: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return {**keep, "GRIDCARE_PASSWORD_HASH_PROFILE": "cheapest", "GRIDCARE_LOG_LEVEL": "WARNING", **settings}


def token_for(db: Database, org: demo_org.Org, login: str, clock: Any) -> str:
    with db.write() as session:
        return auth.create_token(session, actor=system_principal("test"), now=clock.now(), user_id=org.user_id(login), name="reliability test")[1]


def eventually(what: str, condition: Any, timeout: float = 20.0, process: Process | None = None) -> Any:
    """Wait until ``condition()`` is true and return its value; fail naming ``what`` (with
    the process's log, when there is one) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting until {what}" + (f"\n{process.output()}" if process else "")
        time.sleep(0.05)


class EventStream(threading.Thread):
    """A browser's /events connection: collects (event, data) as they arrive."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=httpx.Timeout(5, read=None)
        )
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            with self.client.stream("GET", "/events") as response:
                name = None
                for line in response.iter_lines():
                    if line.startswith(": connected"):
                        self.connected.set()
                    elif line.startswith("event: "):
                        name = line.removeprefix("event: ")
                    elif line.startswith("data: ") and name is not None:
                        self.events.append((name, json.loads(line.removeprefix("data: "))))
                        name = None
        except httpx.HTTPError:
            pass  # closed by the test

    def popups(self) -> list[str]:
        return [data.get("url", "") for name, data in self.events if name == "popup"]

    def close(self) -> None:
        self.client.close()


@contextmanager
def own_redis(tmp: Path) -> Iterator[RedisServer]:
    server = RedisServer(free_port(), tmp)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class RedisServer:
    """A redis-server of this test alone (the shared one must never be stopped)."""

    def __init__(self, port: int, tmp: Path) -> None:
        self.port, self.tmp = port, tmp
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        args = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.tmp),
        ]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresServer:
    """A PostgreSQL cluster of this test alone, in a temporary directory, that it may stop and
    start (the shared server must never be restarted). Run as the ``postgres`` user when the
    tests run as root, since PostgreSQL refuses to."""

    def __init__(self) -> None:
        # Not under pytest's tmp_path: the postgres user cannot traverse root's 0700 directories.
        self.root = Path(tempfile.mkdtemp(prefix="gridcare-pg-"))
        self.data = self.root / "pgdata"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(
            command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120
        )
        assert done.returncode == 0, f"{args[0]} failed: {done.stderr.strip()}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    @staticmethod
    def available() -> bool:
        return (PG_BIN / "initdb").exists() and (os.geteuid() != 0 or shutil.which("runuser") is not None)
