"""A live subscription: the stored events after a cursor, then new ones, with no gap."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from app.errors import FieldError, InvalidInput
from app.events import StoredEvent
from app.filters import EventFilter, to_mongo
from app.live.dispatcher import LiveDispatcher
from app.live.feed import Feed
from app.store import EventStore
from app.store.arrival import streaming

__all__ = ["follow", "follow_from"]


async def follow(
    store: EventStore,
    dispatcher: LiveDispatcher,
    event_filter: EventFilter,
    *,
    after: str | None,
    capacity: int,
    unread: Callable[[], int] = lambda: 0,
) -> AsyncIterator[StoredEvent]:
    """Matching events in sequence order: first those stored after `after`, then live ones;
    closed with SUBSCRIBER_TOO_SLOW once `capacity` are waiting, counting `unread()` ones.

    The cursor is checked here, before anything streams: a subscription it refuses fails as
    a whole, at its start, instead of streaming an error.
    """
    after_seq = None if after is None else store.seq_of_cursor(after)
    if after_seq is not None and after_seq > await store.last_seq():
        # Cursors are signed with the database's key, and every one points at a stored event:
        # this one outlived its event (a restore from an older backup). Its feed would wait,
        # silently, until the sequence caught up with it.
        raise InvalidInput(
            [
                FieldError(
                    ("after",),
                    "points past the newest stored event (a database restored from an older "
                    "backup?)",
                )
            ]
        )
    return follow_from(
        store, dispatcher, event_filter, after_seq=after_seq, capacity=capacity, unread=unread
    )


def follow_from(
    store: EventStore,
    dispatcher: LiveDispatcher,
    event_filter: EventFilter,
    *,
    after_seq: int | None,
    capacity: int,
    unread: Callable[[], int] = lambda: 0,
) -> AsyncIterator[StoredEvent]:
    """`follow` from a sequence number the caller holds itself (a webhook's position)."""
    feed = Feed(event_filter, after_seq=after_seq, capacity=capacity, unread=unread)
    return _stream(store, dispatcher, feed, to_mongo(event_filter))


async def _stream(
    store: EventStore, dispatcher: LiveDispatcher, feed: Feed, match: Mapping[str, Any]
) -> AsyncIterator[StoredEvent]:
    """The feed is registered before the store is read, at the dispatcher's watermark: the
    store has every event up to it and the feed gets every event past it, so nothing is
    missed or repeated even while events keep arriving."""
    streaming()
    watermark = dispatcher.register(feed)
    try:
        if feed.after_seq is not None:
            replay = store.replay(match, after_seq=feed.after_seq, through_seq=watermark)
            async for event in replay:
                yield event
        async for live in feed:
            yield live.event
    finally:
        dispatcher.unregister(feed)
