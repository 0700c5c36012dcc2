"""One live subscriber's queue: bounded, filtered, and closed with a reason when it must end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from app.errors import ServiceError
from app.events import StoredEvent

__all__ = ["Feed", "SubscriberTooSlow"]

Document = dict[str, Any]


class SubscriberTooSlow(ServiceError):
    """The subscriber fell too far behind; it can resume from its last cursor."""

    code = "SUBSCRIBER_TOO_SLOW"


class _Closed:
    """Marks the end of a feed in its queue."""


_CLOSED = _Closed()


class Feed:
    """Events for one subscriber, in order, past `after_seq`, that `accepts` selects.

    Offering never blocks: a subscriber whose queue is full is closed, so one slow consumer
    cannot hold back the others.
    """

    def __init__(
        self, accepts: Callable[[Document], bool], *, after_seq: int | None, capacity: int
    ) -> None:
        self._accepts = accepts
        self.after_seq = after_seq
        self.capacity = capacity
        self._queue: asyncio.Queue[StoredEvent | _Closed] = asyncio.Queue(capacity + 1)
        self._error: Exception | None = None

    @property
    def closed(self) -> bool:
        return self._error is not None

    def offer(self, event: StoredEvent, document: Document) -> None:
        if self.closed or (self.after_seq is not None and event.seq <= self.after_seq):
            return
        if not self._accepts(document):
            return
        if self._queue.qsize() >= self.capacity:
            self.close(
                SubscriberTooSlow(
                    f"this subscription fell more than {self.capacity} events behind and was "
                    "closed; resume with the cursor of the last event received"
                )
            )
            return
        self._queue.put_nowait(event)

    def close(self, error: Exception) -> None:
        """End the feed: the subscriber gets `error` after the events already queued."""
        if self._error is None:
            self._error = error
            self._queue.put_nowait(_CLOSED)

    def __aiter__(self) -> Feed:
        return self

    async def __anext__(self) -> StoredEvent:
        item = await self._queue.get()
        if isinstance(item, _Closed):
            assert self._error is not None
            raise self._error
        return item
