"""A lean HTTP/1.1 client for the bench's ingests: prepared requests on keep-alive sockets.

httpx spent twice the service's CPU on each single ingest (2.8 s of client CPU for 1,000
calls beside the service's 1.4 s), on the same two cores, so the bench measured its own
client. Writing a prepared request and reading a Content-Length answer costs a small
fraction of that; the bench needs nothing more of HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import urlsplit


class HttpError(RuntimeError):
    """An answer that was not 200 or that carried GraphQL errors."""


class Connection:
    """One keep-alive connection that posts JSON to one path and reads whole answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer)

    async def post(self, head: bytes, body: bytes) -> bytes:
        """Sends `head` (from `request_head`) and `body`; returns the answer's body."""
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = headers.split(b" ", 2)[1]
        length = None
        for line in headers.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        if length is None:
            raise HttpError(f"an answer without Content-Length: {headers!r}")
        answer = await self.reader.readexactly(length)
        if status != b"200" or b'"errors"' in answer:
            raise HttpError(f"{status.decode()}: {answer[:500]!r}")
        return answer

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


def request_head(url: str) -> bytes:
    """The request line and headers of a JSON POST to `url`, up to its Content-Length value."""
    parts = urlsplit(url)
    return (
        f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        "Content-Type: application/json\r\nContent-Length: "
    ).encode()


class Pool:
    """Keep-alive connections to one URL, opened as requests need them and reused after."""

    def __init__(self, url: str) -> None:
        self.url, self.head = url, request_head(url)
        self.idle: list[Connection] = []

    async def post(self, body: bytes) -> bytes:
        if self.idle:
            connection = self.idle.pop()
            try:
                answer = await connection.post(self.head, body)
            except (asyncio.IncompleteReadError, ConnectionResetError) as closed:
                # uvicorn closes a connection idle for 5 s; one that closes before a byte
                # of answer had not taken the request, so it goes again on a new one.
                if isinstance(closed, asyncio.IncompleteReadError) and closed.partial:
                    raise
                await connection.close()
                return await self.post_new(body)
            self.idle.append(connection)
            return answer
        return await self.post_new(body)

    async def post_new(self, body: bytes) -> bytes:
        connection = await Connection.open(self.url)
        answer = await connection.post(self.head, body)
        self.idle.append(connection)
        return answer

    async def close(self) -> None:
        await asyncio.gather(*(connection.close() for connection in self.idle))
        self.idle = []


async def post_all(url: str, bodies: list[bytes], concurrency: int) -> float:
    """Posts every body, `concurrency` at a time on as many connections; returns the seconds."""
    pool = Pool(url)
    for _ in range(concurrency):  # connected before the clock starts, as a client's would be
        pool.idle.append(await Connection.open(url))
    numbers = iter(bodies)

    async def worker() -> None:
        for body in numbers:
            await pool.post(body)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return elapsed
