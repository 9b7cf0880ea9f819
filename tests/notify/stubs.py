"""Real servers the channel adapters talk to in tests: an HTTP gateway that fails for a
while and dedupes retries on the client's message id, a WeCom robot, an SMPP centre, and
a push listener on the in-process broadcaster."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from gridcare.pubsub import Broadcaster, PushEvent


@dataclass
class GatewayStub:
    """An SMS or voice gateway. It answers 503 to the first ``fail_first`` requests; for an
    id in ``stall_once`` it accepts the message, then answers too late (the client times
    out). A repeated id is answered with the first message's id and not sent again."""

    id_field: str = "client_msg_id"
    fail_first: int = 0
    stall_once: set[str] = field(default_factory=set)
    stall_seconds: float = 1.5
    requests: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)  # what reached phones, in order
    repeats: list[str] = field(default_factory=list)  # retries recognised by id
    tokens: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, body: dict[str, Any], auth: str) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.requests += 1
            self.tokens.append(auth)
            if self.requests <= self.fail_first:
                return 503, {"error": "gateway overloaded"}
            ref = body[self.id_field]
            known = [i for i, m in enumerate(self.sent) if m[self.id_field] == ref]
            if known:
                self.repeats.append(ref)
                return 200, {"message_id": f"M{known[0] + 1}", "call_id": f"M{known[0] + 1}", "duplicate": True}
            self.sent.append(body)
            n = len(self.sent)
            stall = ref in self.stall_once
            self.stall_once.discard(ref)
        if stall:
            time.sleep(self.stall_seconds)
        return 200, {"message_id": f"M{n}", "call_id": f"M{n}"}


@dataclass
class WecomStub:
    errcode: int = 0
    posts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def handle(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.posts.append((path, body))
        return 200, {"errcode": self.errcode, "errmsg": "ok" if self.errcode == 0 else "invalid webhook url"}


@contextmanager
def http_stub(stub: GatewayStub | WecomStub) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.loads(raw.decode("utf-8"))
            if isinstance(stub, WecomStub):
                status, answer = stub.handle(self.path, body)
            else:
                status, answer = stub.handle(body, self.headers.get("Authorization", ""))
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that is the point of a stall

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- SMPP --------------------------------------------------------------------------------

BIND_TRANSMITTER, SUBMIT_SM, UNBIND = 0x00000002, 0x00000004, 0x00000006
RESP = 0x80000000


def _cstring(data: bytes, at: int) -> tuple[str, int]:
    end = data.index(b"\x00", at)
    return data[at:end].decode("latin-1"), end + 1


def parse_submit(body: bytes) -> dict[str, Any]:
    """The fields of a submit_sm body (SMPP 3.4, section 4.4.1)."""
    _service, at = _cstring(body, 0)
    at += 2  # source ton, npi
    source, at = _cstring(body, at)
    dest_ton = body[at]
    at += 2
    dest, at = _cstring(body, at)
    esm_class = body[at]
    at += 3  # esm_class, protocol_id, priority
    _schedule, at = _cstring(body, at)
    _validity, at = _cstring(body, at)
    registered = body[at]
    data_coding = body[at + 2]
    length = body[at + 4]
    message = body[at + 5 : at + 5 + length]
    return {"source": source, "dest": dest, "dest_ton": dest_ton, "esm_class": esm_class, "registered": registered, "data_coding": data_coding, "message": message}


@dataclass
class SmppCentre:
    """A tiny SMS centre: accepts one bind_transmitter with the right password, answers
    each submit_sm with a message id, and reassembles concatenated UCS-2 parts."""

    system_id: str = "gridcare"
    password: str = "secret"
    binds: list[tuple[str, str]] = field(default_factory=list)
    submits: list[dict[str, Any]] = field(default_factory=list)

    def texts(self) -> list[tuple[str, str]]:
        """(destination, text) of each complete message."""
        done, parts = [], {}
        for s in self.submits:
            message = s["message"]
            if s["esm_class"] & 0x40:  # UDH: 05 00 03 ref total seq
                ref, total, seq = message[3], message[4], message[5]
                parts.setdefault(ref, {})[seq] = message[6:]
                if len(parts[ref]) == total:
                    done.append((s["dest"], b"".join(parts[ref][i] for i in range(1, total + 1)).decode("utf-16-be")))
            else:
                done.append((s["dest"], message.decode("utf-16-be") if s["data_coding"] == 8 else message.decode("latin-1")))
        return done


def _pdu(command: int, status: int, seq: int, body: bytes = b"") -> bytes:
    return struct.pack(">IIII", 16 + len(body), command, status, seq) + body


def _serve_smpp(centre: SmppCentre, conn: socket.socket) -> None:
    with conn:
        bound, n = False, 0
        while True:
            header = conn.recv(16, socket.MSG_WAITALL)
            if len(header) < 16:
                return
            length, command, _status, seq = struct.unpack(">IIII", header)
            body = conn.recv(length - 16, socket.MSG_WAITALL) if length > 16 else b""
            if command == BIND_TRANSMITTER:
                system_id, at = _cstring(body, 0)
                password, _ = _cstring(body, at)
                centre.binds.append((system_id, password))
                bound = system_id == centre.system_id and password == centre.password
                conn.sendall(_pdu(command | RESP, 0 if bound else 0x0E, seq, b"SMSC\x00"))  # 0x0E: invalid password
            elif command == SUBMIT_SM and bound:
                centre.submits.append(parse_submit(body))
                n += 1
                conn.sendall(_pdu(command | RESP, 0, seq, f"SM{n}\x00".encode()))
            elif command == UNBIND:
                conn.sendall(_pdu(command | RESP, 0, seq))
                return
            else:
                conn.sendall(_pdu(command | RESP, 0x04, seq))  # invalid bind status


@contextmanager
def smpp_centre(centre: SmppCentre) -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            threading.Thread(target=_serve_smpp, args=(centre, conn), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()


# --- push ----------------------------------------------------------------------------------


@contextmanager
def listening(broadcaster: Broadcaster, channels: list[str]) -> Iterator[list[PushEvent]]:
    """Collect what the broadcaster pushes on ``channels`` (as a browser's SSE stream would)."""
    received: list[PushEvent] = []
    ready, stop = threading.Event(), threading.Event()

    async def run() -> None:
        async with broadcaster.subscribe(channels) as queue:
            ready.set()
            while not stop.is_set():
                try:
                    received.append(await asyncio.wait_for(queue.get(), 0.05))
                except TimeoutError:
                    continue

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    ready.wait(5)
    try:
        yield received
    finally:
        time.sleep(0.1)  # let the loop take what was published last
        stop.set()
        thread.join(5)
