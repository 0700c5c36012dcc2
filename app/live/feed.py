"""A live subscriber's queue: bounded, and closed with a reason when it must end.

`Mailbox` is the bounded queue itself (one per subscriber, whatever it carries); `Feed` is
the mailbox of one subscription at the dispatcher, with its filter and starting point.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

from app.errors import ServiceError
from app.filters import EventFilter, matches
from app.live.live_event import LiveEvent

__all__ = ["Feed", "Mailbox", "SubscriberTooSlow"]

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
    The deque comes with the first item: an empty one is 600 bytes, and most subscribers
    of a quiet feed are idle.
    """

    __slots__ = ("_error", "_items", "_unread", "_waiter", "capacity")

    def __init__(self, capacity: int, unread: Callable[[], int] = _nothing_sent) -> None:
        self.capacity = capacity
        self._unread = unread
        self._items: deque[Item | _Closed] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._error: Exception | None = None

    @property
    def closed(self) -> bool:
        return self._error is not None

    def put(self, item: Item) -> None:
        if self._error is not None:
            return
        items = self._items
        if items is None:
            items = self._items = deque()
        if len(items) + self._unread() >= self.capacity:
            # What is queued was never sent: the client resumes from its last cursor and reads
            # it from the store. Dropping it frees the memory now and lets the reason be the
            # next thing the client reads.
            items.clear()
            self.close(SubscriberTooSlow.behind(self.capacity))
            return
        items.append(item)
        self._wake()

    def close(self, error: Exception) -> None:
        """End the mailbox: the subscriber gets `error` after the items already queued."""
        if self._error is None:
            self._error = error
            if self._items is None:
                self._items = deque()
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
            await self._arrival()
        return self._take()

    async def _arrival(self) -> None:
        """Wait until something is put (or the mailbox closes)."""
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _end_now(self, error: Exception) -> None:
        """End at once with `error`, for a reader that has had the reason some other way."""
        self._error = error
        self._items = deque([_CLOSED])

    def _take(self) -> Item:
        """The next item, there being one; the closing error once the items are gone."""
        assert self._items
        item = self._items.popleft()
        if isinstance(item, _Closed):
            assert self._error is not None
            raise self._error
        return item


class Feed(Mailbox[LiveEvent]):
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

    def offer(self, event: LiveEvent) -> None:
        if self.after_seq is not None and event.seq <= self.after_seq:
            return
        if matches(self.event_filter, event.document):
            self.put(event)
