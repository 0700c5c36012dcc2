"""One per process: puts events from the bus in sequence order and hands them to the feeds.

Events can reach the bus out of order (ingests overlap; processes share one sequence). The
dispatcher keeps a watermark: every event up to it has been handed out, in order, and every
number up to it is settled (stored, or never to be). An event beyond a gap is held back until
the gap fills: by the event, or by the announcement that its sequence number was given up (a
repeated idempotency key). A gap that stays open longer than `gap_seconds` is filled from the
store only as far as nothing below is still being written (the sequencer's numbers in
flight): a slow batch, or one waiting on a restarting database, is waited for as long as its
writer lives, so no event is ever handed out after one with a higher number. A new subscriber
learns the watermark when it registers: the store holds everything up to it, the feed gets
everything after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections import deque

from app.documents.layout import Document
from app.errors import DatabaseUnavailable
from app.live.bus import BusListener, BusUnavailable
from app.live.feed import Feed
from app.live.feed_index import FeedIndex
from app.live.live_event import LiveEvent
from app.store import EventStore

__all__ = ["LiveDispatcher"]

log = logging.getLogger(__name__)

_REMEMBERED = 10_000
_MAX_HELD = 10_000


class LiveDispatcher(BusListener):
    def __init__(self, store: EventStore, *, gap_seconds: float = 2.0) -> None:
        self._store = store
        self._gap_seconds = gap_seconds
        self._feeds = FeedIndex()
        self._watermark = 0
        # The newest stored number known, when beyond the watermark with nothing held (a
        # start with numbers still in flight): what the gap filler reads up to.
        self._known_top = 0
        # Held back beyond a gap, by sequence number; None: given up, no event will come.
        self._held: dict[int, Document | None] = {}
        self._held_order: list[int] = []  # a heap of the keys of `_held`
        self._gap_since: float | None = None
        self._recent: deque[int] = deque(maxlen=_REMEMBERED)
        self._recent_set: set[int] = set()
        self._available = False
        self._gap_filler: asyncio.Task[None] | None = None
        self._stopping = False
        self._ended = 0

    @property
    def feed_count(self) -> int:
        return len(self._feeds)

    @property
    def feeds_ended(self) -> int:
        """How many feeds have been unregistered since the start."""
        return self._ended

    async def start(self) -> None:
        await self._resync()
        self._gap_filler = asyncio.create_task(self._fill_gaps(), name="live-gap-filler")

    async def stop(self) -> None:
        # Said before cancelling: the database driver can turn the cancellation into an error
        # of its own, which the gap filler would log and go on after.
        self._stopping = True
        if self._gap_filler is not None:
            self._gap_filler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._gap_filler
        self.on_failure("the service is shutting down")

    @property
    def available(self) -> bool:
        """Whether a subscription can start now: the bus carries events and the dispatcher
        knows where the log stands (after a recovery, once it has read that again)."""
        return self._available

    def register(self, feed: Feed) -> int:
        """Start handing events to `feed`; returns the watermark it starts after."""
        if not self._available:
            raise BusUnavailable("live events are unavailable right now; retry shortly")
        self._feeds.add(feed)
        return self._watermark

    def unregister(self, feed: Feed) -> None:
        self._feeds.discard(feed)
        self._ended += 1

    # -- BusListener ---------------------------------------------------------------------

    def on_event(self, document: Document) -> None:
        seq: int = document["seq"]
        if seq <= self._watermark:
            self._late(document)
            return
        self._hold(seq, document)

    def on_found(self, document: Document) -> None:
        # Behind the watermark it was handed out already (or is history catch-up reads).
        seq: int = document["seq"]
        if seq > self._watermark:
            self._hold(seq, document)

    def on_skipped(self, seqs: list[int]) -> None:
        for seq in seqs:
            if seq > self._watermark:
                self._hold(seq, None)

    def on_failure(self, reason: str) -> None:
        self._available = False
        feeds, self._feeds = self._feeds, FeedIndex()
        for feed in feeds:
            feed.close(
                BusUnavailable(
                    f"live events were interrupted ({reason}); resume with the cursor of the "
                    "last event received"
                )
            )

    async def on_recovery(self) -> None:
        await self._resync()

    # -- ordering ------------------------------------------------------------------------

    async def _resync(self) -> None:
        """Start over from what the store holds: every feed was closed or none exists yet."""
        self._watermark = await self._store.settled_seq()
        self._known_top = await self._store.last_seq()
        self._held.clear()
        self._held_order.clear()
        self._gap_since = None
        self._available = True

    def _hold(self, seq: int, document: Document | None) -> None:
        if seq in self._held:
            return  # announced twice
        self._held[seq] = document
        heapq.heappush(self._held_order, seq)
        self._release()
        if len(self._held) > _MAX_HELD:
            self._gap_since = float("-inf")  # too much waiting on one gap: fill it now

    def _release(self) -> None:
        """Hand out held events while they continue the sequence."""
        before = self._watermark
        while self._held_order and self._held_order[0] <= self._watermark + 1:
            seq = heapq.heappop(self._held_order)
            document = self._held.pop(seq)
            if document is None:
                self._watermark = max(self._watermark, seq)
            elif seq == self._watermark + 1:
                self._dispatch(document)
            else:
                self._late(document)
        if not self._held:
            self._gap_since = None
        elif self._gap_since is None or self._watermark != before:
            self._gap_since = asyncio.get_running_loop().time()

    def _dispatch(self, document: Document) -> None:
        event = LiveEvent(document)
        self._watermark = max(self._watermark, event.seq)
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(event.seq)
        self._recent_set.add(event.seq)
        for feed in self._feeds.candidates(document):
            feed.offer(event)

    def _late(self, document: Document) -> None:
        """An event behind the watermark: handed out already, or truly late."""
        seq: int = document["seq"]
        if seq in self._recent_set:
            return
        log.warning("Event %s arrived after its place in sequence; delivering it late", seq)
        self._dispatch(document)

    async def _fill_gaps(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping:
            await asyncio.sleep(self._gap_seconds / 4)
            waiting_on = self._held_order[0] if self._held else None
            if waiting_on is None and self._known_top > self._watermark:
                waiting_on = self._known_top + 1
            if waiting_on is None:
                continue
            if self._held and (
                self._gap_since is None or loop.time() - self._gap_since < self._gap_seconds
            ):
                continue
            try:
                await self._fill_below(waiting_on)
            except DatabaseUnavailable as unavailable:
                # Busy or restarting: the gap waits (the events behind it with it) and the
                # next round tries again; nothing is wrong with the service.
                log.warning(
                    "Live events wait on a gap the store cannot be read for: %s", unavailable
                )
            except Exception:
                log.exception("Could not read the store to fill a gap in live events")

    async def _fill_below(self, waiting_on: int) -> None:
        """Hand out what the store holds below `waiting_on`, up to the first number still
        being written; skip past numbers settled without an event."""
        # Settled first, then read: what was in flight then and is not now is in the store.
        settled = await self._store.settled()
        through = settled.settled_through(waiting_on - 1, past=self._watermark)
        if through <= self._watermark:
            return
        missing = await self._store.documents_between(self._watermark, through + 1)
        for document in missing:
            if document["seq"] > self._watermark:
                self._dispatch(document)
        # Whatever is not in the store by now was never stored: skip past it.
        self._watermark = max(self._watermark, through)
        self._gap_since = None
        self._release()
