"""Reading the log by sequence number: the newest stored, given numbers, a range, and a
catch-up replay; every read a bounded range of the `seq` index (the embedded server reads
every index entry of a range before it applies `limit`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.documents.layout import DOCUMENT_CODEC, Document, from_document
from app.events import StoredEvent
from app.store.call_bounds import CallBounds
from app.store.conditions import narrowed

__all__ = ["LogReads"]

_SEQS_PER_READ = 25


class LogReads:
    def __init__(
        self,
        events: AsyncCollection[Document],
        allocated: Callable[[], Awaitable[int]],
        bounds: CallBounds,
        *,
        query_ms: int,
    ) -> None:
        self._events = events
        self._allocated = allocated
        self._bounds = bounds
        self._query_ms = query_ms

    async def last_seq(self) -> int:
        """The sequence number of the newest stored event (0 when there is none).

        Looked for below the last number handed out, in ranges growing from the top: "the
        greatest of all" would read the whole index on the embedded server.
        """
        top, width = await self._allocated(), 64
        while top > 0:
            low = max(top - width, 0)
            found = await self._events.find(
                {"seq": {"$gt": low, "$lte": top}}, {"seq": 1}
            ).to_list()
            if found:
                return max(int(document["seq"]) for document in found)
            top, width = low, width * 4
        return 0

    async def events_by_seq(self, seqs: Sequence[int]) -> list[StoredEvent]:
        """The stored events of these sequence numbers, in sequence order."""
        wanted = sorted(set(seqs))
        found: list[StoredEvent] = []
        # A few at a time: the embedded server's `$in` slows with the square of its list.
        for index in range(0, len(wanted), _SEQS_PER_READ):
            chunk = wanted[index : index + _SEQS_PER_READ]
            documents = self._events.find({"seq": {"$in": chunk}}).sort("seq", 1)
            found += [from_document(document) async for document in documents]
        return found

    async def documents_between(self, after_seq: int, before_seq: int) -> list[Document]:
        """The documents of the events with `after_seq` < seq < `before_seq`, in sequence
        order, read as live feeds test them (`DOCUMENT_CODEC`)."""
        events = self._events.with_options(codec_options=DOCUMENT_CODEC)
        found = events.find({"seq": {"$gt": after_seq, "$lt": before_seq}}).sort("seq", 1)
        return await found.to_list()

    async def replay(
        self, match: Mapping[str, Any], *, after_seq: int, through_seq: int, batch: int = 500
    ) -> AsyncIterator[StoredEvent]:
        """Stored events matching `match` with `after_seq` < seq <= `through_seq`, in order.

        Read in batches over windows of sequence numbers: a long catch-up holds neither a
        cursor open nor much memory, and each read scans a bounded range (one read of the
        whole backlog per batch made a catch-up of 20,000 events start after seconds). A
        window that finds few matches grows, so a rare filter does not cost a read per few
        events.
        """
        window = batch
        while after_seq < through_seq:
            upto = min(after_seq + window, through_seq)
            condition = narrowed(match, "seq", {"$gt": after_seq, "$lte": upto})
            with self._bounds.driver_errors():
                found = self._events.find(condition, max_time_ms=self._query_ms)
                found = found.sort("seq", 1).limit(batch)
                documents = await found.to_list()
            for document in documents:
                yield from_document(document)
            if len(documents) == batch:
                after_seq = documents[-1]["seq"]
            else:
                after_seq = upto
                if len(documents) < batch // 4:
                    window *= 4

    async def unused(self, seqs: list[int]) -> list[int]:
        """Those of `seqs` no stored event holds. A write refused as a duplicate may be our
        own, retried by the driver after its first try landed: its number is used."""
        if not seqs:
            return []
        found = self._events.find({"seq": {"$in": seqs}}, {"seq": 1})
        used = {int(document["seq"]) async for document in found}
        return [seq for seq in seqs if seq not in used]
