"""Carrying stored events to every process's live subscribers.

One subscription per process, over the transport the bus URL names (`bus_transports/`).
Publish/subscribe acknowledges nothing: a connection that stalls without breaking delivers
nothing and raises nothing. So the bus watches itself with heartbeats on its own channel;
when one does not come back, or a publish fails, it reports the failure (live subscriptions
end with a clear error; clients resume from their cursor) and reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import bson

from app.documents.layout import DOCUMENT_CODEC, Document
from app.errors import ServiceError
from app.live.bus_transports import BusTransport, transport_for

__all__ = ["EVENTS_CHANNEL", "BusListener", "BusUnavailable", "EventBus"]

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "eventstore.events"
_HEARTBEAT = "heartbeat"
_SKIPPED = "skipped"
_EVENTS = "events"
_FOUND = "found"
# A batch is announced in a few messages, not one per event (a Redis round trip each), nor
# in one whose size only the batch limit bounds.
_EVENTS_PER_MESSAGE = 100


# A message is one BSON document with exactly one of these keys. An event crosses the bus as
# the document the store wrote, in MongoDB's own encoding (its C extension, one call per
# message): the dispatcher tests filters on it as it comes, and no subscriber's event is built
# until a subscription takes it.
class BusUnavailable(ServiceError):
    """Live events cannot be carried right now; stored events are unaffected."""

    code = "LIVE_EVENTS_UNAVAILABLE"


class BusListener:
    """What the bus tells about: stored events (each as its document), their failure, and
    their recovery."""

    def on_event(self, document: Document) -> None: ...

    def on_skipped(self, seqs: list[int]) -> None:
        """These sequence numbers were reserved but will never hold an event."""

    def on_found(self, document: Document) -> None:
        """An event a retry found stored: announced before, unless a crash lost that."""

    def on_failure(self, reason: str) -> None: ...

    async def on_recovery(self) -> None: ...


class EventBus:
    def __init__(self, url: str, *, heartbeat_seconds: float = 1.0) -> None:
        self._url = url
        self._heartbeat_seconds = heartbeat_seconds
        self._listener = BusListener()
        self._identity = uuid.uuid4().hex
        self._transport: BusTransport | None = None
        self._reader: asyncio.Task[None] | None = None
        self._healthy = False
        self._last_echo = 0.0
        self._supervisor: asyncio.Task[None] | None = None
        self._disconnecting = False

    @property
    def healthy(self) -> bool:
        return self._healthy

    def listen(self, listener: BusListener) -> None:
        self._listener = listener

    async def connect(self) -> None:
        """Connect, then keep watching and reconnecting in the background."""
        try:
            await self._open()
        except BaseException:
            await self._close()  # what did open, closed: the caller will not disconnect
            raise
        self._supervisor = asyncio.create_task(self._supervise(), name="event-bus")

    async def disconnect(self) -> None:
        # Said before cancelling: a client library can turn the cancellation into an error of
        # its own, which the supervisor would take for the bus failing and reconnect.
        self._disconnecting = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        await self._close()

    async def publish(self, events: Sequence[Document]) -> None:
        """Announce events MongoDB has already durably accepted, in as few messages as fit.

        A failure is reported to live subscribers, not raised: the events are stored, and
        clients resuming from their cursor read them.
        """
        await self._announce(_EVENTS, events)

    async def publish_found(self, events: Sequence[Document]) -> None:
        """Announce events a retry found stored under its idempotency key.

        The attempt that stored them may have died before announcing them (the service or
        its database killed between the write and the answer): unannounced, the last of them
        would never reach live subscribers, whose catch-up reads only up to the live stream.
        Listeners take them only if they have not passed them yet.
        """
        await self._announce(_FOUND, events)

    async def _announce(self, kind: str, events: Sequence[Document]) -> None:
        for start in range(0, len(events), _EVENTS_PER_MESSAGE):
            await self._send({kind: list(events[start : start + _EVENTS_PER_MESSAGE])})

    async def publish_skipped(self, seqs: list[int]) -> None:
        """Announce sequence numbers that will never hold an event, so no one waits for them.

        Unannounced, they would hold live delivery back until the dispatcher's gap timeout.
        """
        await self._send({_SKIPPED: seqs})

    async def _send(self, content: dict[str, Any]) -> None:
        await self._publish(bson.encode(content))

    async def _publish(self, message: bytes) -> None:
        try:
            if self._transport is None:
                raise BusUnavailable("not connected")
            # A Redis that accepts but does not answer would hold the request that stored
            # the events past its bound; the same wait as for an echo, then it is down.
            async with asyncio.timeout(self._heartbeat_seconds * 5):
                await self._transport.publish(message)
        except Exception as error:  # whichever transport error: the bus is down
            self._fail(f"publishing failed: {error!r}")

    async def _open(self) -> None:
        self._transport = transport = transport_for(self._url, EVENTS_CHANNEL)
        await transport.connect()
        await asyncio.wait_for(transport.subscribe(), self._heartbeat_seconds * 5)
        self._reader = asyncio.create_task(self._read(transport), name="event-bus-reader")
        await self._wait_for_echo()
        self._healthy = True

    async def _close(self) -> None:
        self._healthy = False
        transport, self._transport = self._transport, None
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader
        if transport is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(transport.disconnect(), 5)

    async def _read(self, transport: BusTransport) -> None:
        try:
            while True:
                self._receive(bson.decode(await transport.receive(), DOCUMENT_CODEC))
                # receive() need not yield while messages wait: let subscribers send in between.
                await asyncio.sleep(0)
        except Exception as error:  # reported now; the next heartbeat finds the reader done
            self._fail(f"receiving failed: {error!r}")
            raise

    def _receive(self, content: Document) -> None:
        if content.get(_HEARTBEAT) == self._identity:
            self._last_echo = asyncio.get_running_loop().time()
        elif _EVENTS in content:
            for document in content[_EVENTS]:
                self._listener.on_event(document)
        elif _SKIPPED in content:
            self._listener.on_skipped(content[_SKIPPED])
        elif _FOUND in content:
            for document in content[_FOUND]:
                self._listener.on_found(document)

    async def _wait_for_echo(self) -> None:
        """Publish a heartbeat and wait until it comes back: proof the bus carries messages."""
        loop = asyncio.get_running_loop()
        sent_at = loop.time()
        deadline = sent_at + self._heartbeat_seconds * 5
        if self._transport is None:
            raise BusUnavailable("not connected")
        await self._transport.publish(bson.encode({_HEARTBEAT: self._identity}))
        while self._last_echo < sent_at:
            if loop.time() > deadline or self._reader is None or self._reader.done():
                raise BusUnavailable("the bus did not carry a heartbeat back")
            await asyncio.sleep(0.01)

    async def _supervise(self) -> None:
        while not self._disconnecting:
            try:
                while self._healthy and not self._disconnecting:
                    await asyncio.sleep(self._heartbeat_seconds)
                    if self._healthy:
                        await self._wait_for_echo()
            except Exception as error:  # whatever broke, the answer is to reconnect
                if self._disconnecting:
                    return
                self._fail(f"heartbeat lost: {error!r}")
            await self._reconnect()

    async def _reconnect(self) -> None:
        delay = 0.1
        while not self._disconnecting:
            await self._close()
            try:
                await self._open()
            except Exception as error:  # still down: try again later
                log.warning("Live event bus unavailable (%r); retrying in %.1fs", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            log.warning("Live event bus reconnected")
            await self._listener.on_recovery()
            return

    def _fail(self, reason: str) -> None:
        if self._healthy:
            log.error("Live event bus failed: %s", reason)
            self._healthy = False
            self._listener.on_failure(reason)
