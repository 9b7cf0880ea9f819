"""The load bench's reader (bench/_rawhttp.py) against a server on a real socket: bodies of
either framing come whole, a kept-alive connection serves the next request, a closed one
is not reused, and a server that stops mid-answer is an error, never a short body."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _rawhttp import Reader  # noqa: E402
from tests.support import aio  # noqa: E402

ANSWERS = {
    "/length": b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n\r\n{"customers":1}',
    "/chunked": b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n",
    "/close": b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
    "/cut": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
}


async def _exchange() -> tuple[list[tuple[int, bytes]], int, list[str], type[BaseException] | None]:
    connections, heads = 0, []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            heads.append(head.decode())
            path = head.split(b" ")[1].decode()
            writer.write(ANSWERS[path])
            await writer.drain()
            if path in ("/close", "/cut"):
                break
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Reader(f"http://127.0.0.1:{port}", {"Authorization": "Bearer t"}, timeout=5)
    answers = [await client.get(path) for path in ("/length", "/chunked", "/length", "/close", "/length")]
    cut: type[BaseException] | None = None
    try:
        await client.get("/cut")
    except (EOFError, OSError) as exc:
        cut = type(exc)
    await client.close()
    server.close()
    await server.wait_closed()
    return answers, connections, heads, cut


def test_it_reads_both_framings_reuses_kept_connections_and_reports_a_cut_answer() -> None:
    answers, connections, heads, cut = aio.run(_exchange())
    assert answers == [
        (200, b'{"customers":1}'),
        (404, b"hello world"),
        (200, b'{"customers":1}'),
        (503, b"no"),
        (200, b'{"customers":1}'),
    ]
    # Four on the first connection, the last of them "/close": "/length" and "/cut" took a new one.
    assert connections == 2
    assert all("Authorization: Bearer t\r\n" in head and head.startswith("GET /") for head in heads)
    assert cut is not None and issubclass(cut, EOFError)


def test_a_server_that_never_answers_times_out() -> None:
    async def silent() -> type[BaseException] | None:
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(1)
            await asyncio.sleep(5)
            writer.close()

        server = await asyncio.start_server(hold, "127.0.0.1", 0)
        client = Reader(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", {}, timeout=0.2)
        try:
            await client.get("/length")
        except TimeoutError as exc:
            return type(exc)
        finally:
            server.close()
        return None

    assert aio.run(silent()) is TimeoutError


def test_a_kept_connection_the_server_closed_unanswered_is_sent_again_once_on_a_new_one() -> None:
    """uvicorn closes a connection idle past its keep-alive time, maybe as the next request
    goes out on it: the GET goes again on a new connection. A new connection that ends
    unanswered is the read's failure, not a loop."""

    async def exchange(always_close: bool) -> tuple[list[object], int]:
        connections = 0

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            served = 0
            while True:
                try:
                    await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    break
                if always_close or served == 1:  # the second request on a connection: closed unanswered
                    break
                writer.write(ANSWERS["/length"])
                await writer.drain()
                served += 1
            writer.close()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        client = Reader(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", {}, timeout=5)
        got: list[object] = []
        for _ in range(3):
            try:
                got.append(await client.get("/length"))
            except OSError as exc:
                got.append(type(exc).__mro__[1])
        await client.close()
        server.close()
        await server.wait_closed()
        return got, connections

    answers, connections = aio.run(exchange(always_close=False))
    assert answers == [(200, b'{"customers":1}')] * 3
    # Each connection answered one request and closed on the next: those went again on new ones.
    assert connections == 3
    failures, connections = aio.run(exchange(always_close=True))
    assert failures == [ConnectionError] * 3 and connections == 3
