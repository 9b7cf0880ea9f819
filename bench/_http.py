"""A minimal HTTP/1.1 keep-alive client for benchmarks that need each response back.

wrk leaves the CPU to the server but cannot tell a script which request a response answers;
httpx can, but spends about as much CPU per request as the server it measures, on the same
two cores. This client writes the request bytes itself and reads the status line, the
Content-Length and the body: tens of microseconds per request. Enough for our own server's
answers (no chunked bodies, no redirects); anything else raises.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class Connection:
    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        self.head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """Status and body; reconnects once if the server closed the idle connection."""
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        data = f"{method} {path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(data)
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
                continue
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            if "content-length" not in fields:
                raise RuntimeError(f"{method} {path}: answer without Content-Length ({fields.get('transfer-encoding', '?')})")
            answer = await self.reader.readexactly(int(fields["content-length"]))
            if fields.get("connection", "").lower() == "close":
                self.writer.close()
                self.writer = None
            return status, answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
