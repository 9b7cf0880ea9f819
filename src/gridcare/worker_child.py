"""Embedded mode's worker as a child process of ``gridcare serve``.

One Python process holds one GIL: with the worker as a thread, a storm's triage, merges and
SMS planning took turns with intake on one core while the second stayed partly idle. As a
child process (``gridcare worker --relay-fd N --parent-pid P``) it has a core of its own.

Pushes: without Redis the child cannot reach the browsers connected to the web process, so
it writes each push as a JSON line into a pipe (``PipeBroadcaster``) and the web process
reads the pipe into its local hub. With Redis the child publishes there, as any ``gridcare
worker`` does. Either way the child's first line on the pipe says it is ready: until then
``/readyz`` reports the worker as starting.

Lifetime: the child dies with its parent (``PR_SET_PDEATHSIG`` on Linux; elsewhere, and as a
second guard, it stops when its parent's pid changes), so a crashed ``serve`` leaves no
worker behind, as the thread could not outlive it either. When the child exits on its own,
the parent starts another after a pause that grows while it keeps failing.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from gridcare.outbox import DeliveryError
from gridcare.pubsub import Broadcaster, PushEvent

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 10.0
RESTART_PAUSE_SECONDS = (0.5, 30.0)  # first pause, longest pause
_PR_SET_PDEATHSIG = 1
READY = b'{"ready": true}'


class PipeBroadcaster(Broadcaster):
    """The child's side: a push is one JSON line on the pipe to the web process."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._pipe = os.fdopen(fd, "wb", buffering=0)
        self._lock = threading.Lock()

    def publish(self, event: PushEvent) -> None:
        self._write(event.to_json().encode())

    def ready(self) -> None:
        self._write(READY)

    def _write(self, line: bytes) -> None:
        try:
            with self._lock:
                self._pipe.write(line + b"\n")
        except OSError as exc:  # the web process is gone: the outbox keeps the row for later
            raise DeliveryError(f"push relay closed: {exc}") from exc


def die_with_parent(parent_pid: int) -> None:
    """Ask the kernel to kill this process when its parent dies; exit at once when the
    parent is already gone (it may have died before the request was made)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            log.warning("cannot ask to die with the parent; relying on the parent-pid check")
    if os.getppid() != parent_pid:
        os._exit(0)


def stop_when_parent_is_gone(parent_pid: int, stop: Callable[[], None]) -> None:
    """Where the kernel cannot kill the child with its parent: notice it within a second."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        stop()

    threading.Thread(target=watch, name="gridcare-parent-watch", daemon=True).start()


class WorkerChild:
    """The web process's side: starts the child, relays its pushes, restarts it, stops it."""

    def __init__(self, broadcaster: Broadcaster) -> None:
        self.broadcaster = broadcaster
        self._process: subprocess.Popen[bytes] | None = None
        self._ready: int | None = None  # the pid of the child that said it is ready
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def running(self) -> bool:
        """The child is alive and has said it is ready."""
        pid = self.pid
        return pid is not None and pid == self._ready

    def start(self) -> None:
        self._spawn()
        threading.Thread(target=self._watch, name="gridcare-worker-child", daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()  # the worker finishes its round and exits
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("worker child %s did not stop in %.0f s; killing it", process.pid, STOP_GRACE_SECONDS)
            process.kill()
            process.wait()

    def _spawn(self) -> None:
        read_end, write_end = os.pipe()
        args = [sys.executable, "-m", "gridcare", "worker", "--parent-pid", str(os.getpid()), "--relay-fd", str(write_end)]
        with self._lock:
            try:
                if self._stopping.is_set():
                    os.close(read_end)
                    return
                process = self._process = subprocess.Popen(args, pass_fds=(write_end,), stdin=subprocess.DEVNULL)
            except BaseException:
                os.close(read_end)
                raise
            finally:
                os.close(write_end)  # the child holds it now: the pipe ends when the child does
        threading.Thread(target=self._read, args=(read_end, process.pid), name="gridcare-push-relay", daemon=True).start()
        log.info("worker child %s started", process.pid)

    def _read(self, fd: int, pid: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            for line in pipe:
                if line.rstrip() == READY:
                    self._ready = pid
                    continue
                try:
                    self.broadcaster.publish(PushEvent.from_json(line))
                except (ValueError, KeyError):
                    log.warning("ignored a malformed push from the worker child")

    def _watch(self) -> None:
        pause = RESTART_PAUSE_SECONDS[0]
        while not self._stopping.is_set():
            with self._lock:
                process = self._process
            assert process is not None
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            log.error("worker child %s exited with %s; starting another in %.1f s", process.pid, code, pause)
            if time.monotonic() - started > 60:
                pause = RESTART_PAUSE_SECONDS[0]  # it had been running well: not a crash loop
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, RESTART_PAUSE_SECONDS[1])
            self._spawn()
