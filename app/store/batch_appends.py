"""All-or-nothing batches into the log: under one key for the batch, under each event's own
key (CloudEvents' source and id), or under none.

Without transactions (a standalone server), a batch is inserted in order and taken back if
any of it fails; a keyed batch racing another attempt keeps what it wrote, so the two complete
one batch between them rather than each storing half.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    BulkWriteError,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
    WriteConcernError,
)

from app.documents.layout import as_stored, from_document, to_document
from app.events import NewEvent, StoredEvent
from app.store.batch_keys import batch_index, batch_key_range, batch_keys
from app.store.projection import Projection
from app.store.sequencer import WriteRefused

__all__ = ["AppendedBatch", "AppendedEach", "BatchAppends", "is_duplicate_key"]

Document = dict[str, Any]
_DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class AppendedBatch:
    """The outcome of `append_many`: the batch's events in order, as the store holds them
    (`documents`), whether this call stored them, and the sequence numbers it reserved in vain
    (another call stored the batch)."""

    events: list[StoredEvent]
    documents: list[Document]
    created: bool
    skipped_seqs: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class AppendedEach:
    """The outcome of `append_each_keyed`: the events in order, as the store holds them, for
    each whether this call stored it, and the numbers a lost race left unused."""

    events: list[StoredEvent]
    documents: list[Document]
    created: list[bool]
    skipped_seqs: list[int] = field(default_factory=list)


class BatchAppends:
    """The batch writes of `EventStore`, on its collection, counter and read models."""

    def __init__(
        self,
        client: AsyncMongoClient[Document],
        events: AsyncCollection[Document],
        projection: Projection,
        positions: Callable[[int], AbstractAsyncContextManager[range]],
        unused: Callable[[list[int]], Awaitable[list[int]]],
    ) -> None:
        self._client = client
        self._events = events
        self._projection = projection
        self._positions = positions
        self._unused = unused
        # Set by `EventStore.prepare` once the server has said what it supports.
        self.transactions = False

    async def append_many(
        self,
        events: Sequence[NewEvent],
        *,
        received_at: datetime,
        idempotency_key: str | None = None,
    ) -> AppendedBatch:
        """Store all of `events` or none of them.

        With a key seen before, store nothing and return the batch stored under it: each
        event is kept under the key and its index, so a retry after any failure, or one
        racing the first attempt, stores nothing twice.
        """
        if not events:
            return AppendedBatch([], [], created=True)
        keys = batch_keys(idempotency_key, len(events))
        if idempotency_key is not None:
            earlier = await self._batch_stored_under(idempotency_key)
            if earlier:
                return await self._complete_batch(idempotency_key, events, earlier, received_at)
        try:
            async with self._positions(len(events)) as seqs:
                documents = [
                    to_document(event, seq=seq, received_at=received_at, idempotency_key=key)
                    for event, seq, key in zip(events, seqs, keys, strict=True)
                ]
                await self._insert_batch(documents, seqs, keyed=idempotency_key is not None)
        except _BatchRaced as raced:
            # Another attempt with the key wrote first: the batch is completed around it.
            assert idempotency_key is not None
            earlier = await self._batch_stored_under(idempotency_key)
            outcome = await self._complete_batch(idempotency_key, events, earlier, received_at)
            return replace(outcome, skipped_seqs=[*raced.lost, *outcome.skipped_seqs])
        self._projection.nudge()
        stored = [
            as_stored(event, document) for event, document in zip(events, documents, strict=True)
        ]
        return AppendedBatch(stored, documents, created=True)

    async def append_each_keyed(
        self, events: Sequence[NewEvent], keys: Sequence[str | None], *, received_at: datetime
    ) -> AppendedEach:
        """Store each event once under its own key: those stored before come back as they are
        (as do repeats within `events`), the rest are stored together, all or none."""
        skipped: list[int] = []
        for attempt in range(2):
            seqs = range(0)
            stored = await self._stored_under_keys([key for key in keys if key is not None])
            fresh = _first_of_each_key(keys, stored)
            try:
                async with self._positions(len(fresh)) as seqs:
                    documents = {
                        index: to_document(
                            events[index],
                            seq=seq,
                            received_at=received_at,
                            idempotency_key=keys[index],
                        )
                        for index, seq in zip(fresh, seqs, strict=True)
                    }
                    if documents:
                        await self._insert_batch(list(documents.values()), seqs, keyed=False)
            except OperationFailure as refused:
                # A redelivery racing this one stored some key first: read again, once.
                if attempt or not is_duplicate_key(refused):
                    raise
                skipped += await self._unused(list(seqs))
                continue
            self._projection.nudge()
            for document in documents.values():
                stored.setdefault(document["idempotencyKey"], document)
            outcome = [
                documents.get(index) or stored[str(keys[index])] for index in range(len(keys))
            ]
            return AppendedEach(
                [from_document(document) for document in outcome],
                outcome,
                [index in documents for index in range(len(keys))],
                skipped,
            )
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _stored_under_keys(self, keys: list[str]) -> dict[str, Document]:
        found: dict[str, Document] = {}
        # The embedded server's `$in` slows with the square of its list: short lists.
        for start in range(0, len(keys), 25):
            chunk = keys[start : start + 25]
            async for document in self._events.find({"idempotencyKey": {"$in": chunk}}):
                found[document["idempotencyKey"]] = document
        return found

    async def _batch_stored_under(self, idempotency_key: str) -> list[Document]:
        """The documents of the batch stored under `idempotency_key`, in its order."""
        low, high = batch_key_range(idempotency_key)
        found = await self._events.find({"idempotencyKey": {"$gte": low, "$lt": high}}).to_list()
        return sorted(found, key=lambda document: batch_index(document["idempotencyKey"]))

    async def _complete_batch(
        self,
        idempotency_key: str,
        events: Sequence[NewEvent],
        stored: list[Document],
        received_at: datetime,
    ) -> AppendedBatch:
        """The batch stored under the key, with what an earlier attempt left out stored now.

        Part of a batch is seen while another attempt is still writing it, or, without
        transactions, when one died half-way: the events missing are written under their
        own keys, and those another attempt writes first are taken as they are.
        """
        present = {batch_index(document["idempotencyKey"]) for document in stored}
        missing = [index for index in range(len(events)) if index not in present]
        skipped: list[int] = []
        if missing:
            keys = batch_keys(idempotency_key, len(events))
            async with self._positions(len(missing)) as seqs:
                documents = [
                    to_document(
                        events[index], seq=seq, received_at=received_at, idempotency_key=keys[index]
                    )
                    for index, seq in zip(missing, seqs, strict=True)
                ]
                try:
                    await self._events.insert_many(documents, ordered=False)
                except BulkWriteError as partly:
                    errors = partly.details.get("writeErrors", [])
                    refused = await self._unused(
                        [documents[error["index"]]["seq"] for error in errors]
                    )
                    self._projection.given_up(refused)
                    if any(error.get("code") != _DUPLICATE_KEY for error in errors):
                        raise
                    skipped = refused
            self._projection.nudge()
            stored = await self._batch_stored_under(idempotency_key)
        return AppendedBatch(
            [from_document(document) for document in stored],
            stored,
            created=False,
            skipped_seqs=skipped,
        )

    async def _insert_batch(self, documents: list[Document], seqs: range, *, keyed: bool) -> None:
        """All of `documents` or, on failure, none; except that a keyed batch racing another
        attempt keeps what it wrote (raising _BatchRaced), so the two complete one batch."""
        raced = keyed and not self.transactions
        try:
            if self.transactions:
                async with self._client.start_session() as session:
                    await session.with_transaction(
                        lambda s: self._events.insert_many(documents, session=s)
                    )
            else:
                await self._insert_all_or_none(documents, keep_on_duplicate=raced)
        except OperationFailure as refused:
            # The server refused (the rest of) the batch: those numbers are burned. A lost
            # connection or a cancelled caller says nothing of the kind (the batch may yet
            # land), so those gaps wait to settle.
            duplicate = keyed and is_duplicate_key(refused)
            kept = _inserted(refused) if duplicate and raced else 0
            lost = await self._unused(list(seqs[kept:]))
            if not isinstance(refused, WriteConcernError):
                self._projection.given_up(lost)
            if duplicate:
                raise _BatchRaced(lost) from refused
            raise

    async def _insert_all_or_none(
        self, documents: list[Document], *, keep_on_duplicate: bool = False
    ) -> None:
        """Without transactions: insert in order, and take back what got in if one fails."""
        try:
            await self._events.insert_many(documents, ordered=True)
        except (OperationFailure, PyMongoError) as failed:
            duplicate = isinstance(failed, OperationFailure) and is_duplicate_key(failed)
            if keep_on_duplicate and duplicate:
                raise
            ids = [document["_id"] for document in documents]
            await self._events.delete_many({"_id": {"$in": ids}})
            raise


def is_duplicate_key(error: OperationFailure) -> bool:
    """Whether the server refused a write for a unique key (in a transaction, or in bulk)."""
    if isinstance(error, DuplicateKeyError) or error.code == _DUPLICATE_KEY:
        return True
    details = error.details or {}
    return any(item.get("code") == _DUPLICATE_KEY for item in details.get("writeErrors", []))


def _inserted(error: OperationFailure) -> int:
    """How many documents of an ordered insert got in before it was refused."""
    return int((error.details or {}).get("nInserted", 0))


def _first_of_each_key(keys: Sequence[str | None], stored: Mapping[str, Document]) -> list[int]:
    """The places of the events to store: unkeyed ones, and the first of each key not stored."""
    seen: set[str] = set(stored)
    fresh: list[int] = []
    for index, key in enumerate(keys):
        if key is None:
            fresh.append(index)
        elif key not in seen:
            seen.add(key)
            fresh.append(index)
    return fresh


class _BatchRaced(WriteRefused):
    """Another attempt with the batch's key wrote part of it first; `lost` are the numbers
    this attempt reserved and did not use."""

    def __init__(self, lost: list[int]) -> None:
        super().__init__(f"{len(lost)} events written by another attempt")
        self.lost = lost
