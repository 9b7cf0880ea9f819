"""A small HTTP/1.1 GET client for the load bench's readers.

httpx cost the reader process up to 60 % of a core at 20 requests/s on a slow machine
(py-spy: its pool walks every open connection for each request, and asks sniffio for the
running async library on every call), CPU taken from the two cores the server is measured
on. This client keeps idle keep-alive connections on a stack, opens another when none is
free (the readers are open-loop: a slow answer must not hold back the next request), and
reads a Content-Length or chunked body. It speaks only to the bench's own servers.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class Reader:
    def __init__(self, base: str, headers: dict[str, str], *, timeout: float = 30) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._head = f"Host: {self.host}:{self.port}\r\n{extra}\r\n"
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, path: str) -> tuple[int, bytes]:
        """(status, body); raises OSError, ValueError or TimeoutError when no answer came."""
        return await asyncio.wait_for(self._get(path), self.timeout)

    async def _get(self, path: str) -> tuple[int, bytes]:
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof():
                try:
                    return await self._exchange(reader, writer, path)
                except _Unanswered:
                    pass  # see below
            writer.close()
        # The server closes a kept-alive connection idle for longer than its keep-alive time
        # (uvicorn's 5 s), and may do so as the request goes out on it: no byte of an answer
        # comes back. Browsers and httpx send a GET again on a new connection then; so does
        # this client, or a burst of slow answers (which leaves many connections idle) would
        # show up as failed reads.
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return await self._exchange(reader, writer, path)

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, bytes]:
        try:
            writer.write(f"GET {path} HTTP/1.1\r\n{self._head}".encode())
            status, body, keep = await _response(reader)
        except BaseException:  # a connection in an unknown state is never reused
            writer.close()
            raise
        if keep:
            self._idle.append((reader, writer))
        else:
            writer.close()
        return status, body

    async def close(self) -> None:
        while self._idle:
            _reader, writer = self._idle.pop()
            writer.close()


class _Unanswered(ConnectionError):
    """The connection ended before the first byte of an answer."""


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        raise _Unanswered("closed before answering") from exc
    except ConnectionResetError as exc:
        raise _Unanswered("reset before answering") from exc
    status = int(head[0].split(" ", 2)[1])
    fields = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip().lower()
    if fields.get("transfer-encoding") == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size + 2))
        await reader.readuntil(b"\r\n")  # the empty trailer
        body = b"".join(chunk[:-2] for chunk in chunks)
    else:
        body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, body, fields.get("connection") != "close"
