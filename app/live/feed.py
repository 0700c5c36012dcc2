"""A live subscriber's queue: bounded, and closed with a reason when it must end.

`Mailbox` is the bounded queue itself (one per subscriber, whatever it carries); `Feed` is
the mailbox of one subscription at the dispatcher, with its filter and starting point.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from app.errors import ServiceError
from app.events import StoredEvent
from app.filters import EventFilter, matches

__all__ = ["Feed", "Mailbox", "SubscriberTooSlow"]

Document = dict[str, Any]
Item = TypeVar("Item")


class SubscriberTooSlow(ServiceError):
    """The subscriber fell too far behind; it can resume from its last cursor."""

    code = "SUBSCRIBER_TOO_SLOW"

    @classmethod
    def behind(cls, capacity: int) -> SubscriberTooSlow:
        return cls(
            f"this subscription fell more than {capacity} events behind and was closed; "
            "resume with the cursor of the last event received"
        )


class _Closed:
    """Marks the end of a mailbox in its queue."""


_CLOSED = _Closed()


def _nothing_sent() -> int:
    return 0


class Mailbox(Generic[Item]):
    """Items for one subscriber, in order. Putting never blocks: a subscriber that falls
    `capacity` items behind is closed, so one slow consumer cannot hold back the others.

    Behind counts the items queued here and `unread()`: those already sent that its client
    has not read yet (see app/graphql/read_receipts.py).

    A deque and one future to wake the reader, rather than an `asyncio.Queue`: every event
    of a fan-out passes through one mailbox per socket, and the queue's bookkeeping (task
    counts, an `Event`, getter and putter deques) cost CPU per event and memory per socket.
    """

    __slots__ = ("_error", "_items", "_unread", "_waiter", "capacity")

    def __init__(self, capacity: int, unread: Callable[[], int] = _nothing_sent) -> None:
        self.capacity = capacity
        self._unread = unread
        self._items: deque[Item | _Closed] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._error: Exception | None = None

    @property
    def closed(self) -> bool:
        return self._error is not None

    def put(self, item: Item) -> None:
        if self._error is not None:
            return
        if len(self._items) + self._unread() >= self.capacity:
            # What is queued was never sent: the client resumes from its last cursor and reads
            # it from the store. Dropping it frees the memory now and lets the reason be the
            # next thing the client reads.
            self._items.clear()
            self.close(SubscriberTooSlow.behind(self.capacity))
            return
        self._items.append(item)
        self._wake()

    def close(self, error: Exception) -> None:
        """End the mailbox: the subscriber gets `error` after the items already queued."""
        if self._error is None:
            self._error = error
            self._items.append(_CLOSED)
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def __aiter__(self) -> Mailbox[Item]:
        return self

    async def __anext__(self) -> Item:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if isinstance(item, _Closed):
            assert self._error is not None
            raise self._error
        return item


class Feed(Mailbox[StoredEvent]):
    """The events of one subscription: past `after_seq`, and those `event_filter` selects."""

    __slots__ = ("after_seq", "event_filter")

    def __init__(
        self,
        event_filter: EventFilter,
        *,
        after_seq: int | None,
        capacity: int,
        unread: Callable[[], int] = _nothing_sent,
    ) -> None:
        super().__init__(capacity, unread)
        self.event_filter = event_filter
        self.after_seq = after_seq

    def offer(self, event: StoredEvent, document: Document) -> None:
        if self.after_seq is not None and event.seq <= self.after_seq:
            return
        if matches(self.event_filter, document):
            self.put(event)
