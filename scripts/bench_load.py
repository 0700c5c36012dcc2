"""The bench's websocket subscribers, spread over worker processes so the client is not the limit.

One asyncio client in one process tops out near the rate a server on the same two cores
can send, so the old bench measured its own client as much as the server. Here each worker
process holds many sockets and timestamps every message it receives; the parent
(`LoadClients`) spreads the sockets over the workers and collects the latencies. The same
workers face the event store and the bare baseline server, so the two compare servers.

A worker is this file run as a script; it reads one JSON command a line on stdin and
answers one JSON line on stdout:

    {"do": "open", "url": ..., "subscriptions": [payload or null, ...]}  -> {"opened": n}
    {"do": "tally"}     -> {"received": n, "sockets": sockets that received anything}
    {"do": "collect"}   -> {"latencies_ms": [...], "bytes": n, "first": t, "last": t},
                           then forgets them
    {"do": "close"}     -> {"closed": n}
    {"do": "exit"}

Latency is receive time minus the `"sent"` stamp each message carries (the bench puts it
in the event's data; the bare server in its payload); both ends read the same clock.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

# Sockets a worker opens at once: enough to connect 10,000 in seconds, few enough that the
# server's accept queue and the handshakes' CPU do not turn connects into timeouts.
CONNECT_CONCURRENCY = 64
# A regular expression rather than json.loads: the stamp is all a worker needs, and parsing
# every message in full would make the client the bottleneck the workers exist to remove.
SENT = re.compile(rb'"sent":\s*([0-9.eE+-]+)')
PING = b'"type":"ping"'
GRAPHQL_WS = [Subprotocol("graphql-transport-ws")]


@dataclass
class Worker:
    """The sockets of one worker process and what they have received since the last collect."""

    sockets: list[ClientConnection] = field(default_factory=list)
    readers: list[asyncio.Task[None]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    received_bytes: int = 0  # of the stamped messages: the bare server sends as many
    touched: set[int] = field(default_factory=set)
    first: float = 0.0
    last: float = 0.0

    async def open(self, url: str, subscriptions: list[dict[str, Any] | None]) -> int:
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(subscription: dict[str, Any] | None) -> ClientConnection:
            async with gate:
                return await open_socket(url, subscription)

        opened = await asyncio.gather(*(one(s) for s in subscriptions))
        for socket in opened:
            index = len(self.sockets)
            self.sockets.append(socket)
            self.readers.append(asyncio.create_task(self.read(index, socket)))
        return len(opened)

    async def read(self, index: int, socket: ClientConnection) -> None:
        try:
            async for message in socket:
                data = message if isinstance(message, bytes) else message.encode()
                if PING in data:  # graphql-transport-ws: the server counts on the answer
                    await socket.send('{"type":"pong"}')
                    continue
                stamp = SENT.search(data)
                if stamp is None:
                    continue
                now = time.time()
                self.latencies.append(round((now - float(stamp.group(1))) * 1000, 3))
                self.received_bytes += len(data)
                self.touched.add(index)
                self.first = self.first or now
                self.last = now
        except ConnectionClosed:
            pass

    def collect(self) -> dict[str, Any]:
        answer = {
            "latencies_ms": self.latencies,
            "bytes": self.received_bytes,
            "first": self.first,
            "last": self.last,
        }
        self.latencies, self.touched, self.first, self.last = [], set(), 0.0, 0.0
        self.received_bytes = 0
        return answer

    async def close(self) -> int:
        closed = len(self.sockets)
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(socket: ClientConnection) -> None:
            async with gate:
                await socket.close()

        await asyncio.gather(*(one(socket) for socket in self.sockets))
        await asyncio.gather(*self.readers)
        self.sockets, self.readers = [], []
        self.collect()
        return closed


async def open_socket(url: str, subscription: dict[str, Any] | None) -> ClientConnection:
    """A websocket; with a subscription, a graphql-transport-ws one that has sent it.

    No compression: the bench measures the servers' work, not zlib's, and a browser's
    deflate costs the store and the bare server the same."""
    if subscription is None:
        return await connect(url, max_size=None, compression=None, open_timeout=120)
    socket = await connect(
        url, subprotocols=GRAPHQL_WS, max_size=None, compression=None, open_timeout=120
    )
    await socket.send('{"type":"connection_init","payload":{}}')
    ack = json.loads(await socket.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no connection_ack: {ack}")
    await socket.send(json.dumps(subscription))
    return socket


async def serve_commands() -> None:
    """The worker's loop: one command a line on stdin, one answer a line on stdout."""
    worker = Worker()
    while line := await asyncio.to_thread(sys.stdin.readline):
        command = json.loads(line)
        answer: dict[str, Any]
        if command["do"] == "open":
            answer = {"opened": await worker.open(command["url"], command["subscriptions"])}
        elif command["do"] == "tally":
            answer = {"received": len(worker.latencies), "sockets": len(worker.touched)}
        elif command["do"] == "collect":
            answer = worker.collect()
        elif command["do"] == "close":
            answer = {"closed": await worker.close()}
        else:
            await worker.close()
            return
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


@dataclass
class Received:
    """What all workers received since the last collect."""

    latencies_ms: list[float]
    bytes: int
    first: float
    last: float


class LoadClients:
    """The parent's side: worker processes, each given a share of the sockets."""

    def __init__(self, processes: list[asyncio.subprocess.Process]) -> None:
        self.processes = processes

    @classmethod
    async def start(cls, workers: int) -> LoadClients:
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=1 << 30,  # a collect answer holds every latency: megabytes on one line
            )
            for _ in range(workers)
        ]
        return cls(processes)

    async def _ask(self, process: asyncio.subprocess.Process, command: dict[str, Any]) -> Any:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps(command).encode() + b"\n")
        await process.stdin.drain()
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError(f"bench worker {process.pid} exited (see its stderr)")
        return json.loads(line)

    async def _ask_all(self, command: dict[str, Any]) -> list[Any]:
        return list(await asyncio.gather(*(self._ask(p, command) for p in self.processes)))

    async def open(self, url: str, subscriptions: list[dict[str, Any] | None]) -> int:
        """Opens one socket per entry (None: a plain websocket), dealt round the workers."""
        shares = [subscriptions[n :: len(self.processes)] for n in range(len(self.processes))]
        answers = await asyncio.gather(
            *(
                self._ask(p, {"do": "open", "url": url, "subscriptions": share})
                for p, share in zip(self.processes, shares, strict=True)
            )
        )
        return sum(int(answer["opened"]) for answer in answers)

    async def tally(self) -> tuple[int, int]:
        """Messages received and sockets that received any, since the last collect."""
        answers = await self._ask_all({"do": "tally"})
        return sum(a["received"] for a in answers), sum(a["sockets"] for a in answers)

    async def wait_for(self, messages: int, within: float) -> int:
        """Waits until `messages` arrived in all or `within` seconds passed; returns the count."""
        deadline = time.monotonic() + within
        received, _ = await self.tally()
        while received < messages and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            received, _ = await self.tally()
        return received

    async def collect(self) -> Received:
        answers = await self._ask_all({"do": "collect"})
        firsts = [a["first"] for a in answers if a["first"]]
        return Received(
            latencies_ms=[value for a in answers for value in a["latencies_ms"]],
            bytes=sum(a["bytes"] for a in answers),
            first=min(firsts, default=0.0),
            last=max((a["last"] for a in answers), default=0.0),
        )

    async def close(self) -> None:
        """Closes every socket (the workers stay for the next figure)."""
        await self._ask_all({"do": "close"})

    async def stop(self) -> None:
        for process in self.processes:
            if process.returncode is None and process.stdin is not None:
                process.stdin.write(b'{"do": "exit"}\n')
                process.stdin.close()
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


if __name__ == "__main__":
    asyncio.run(serve_commands())
