"""The event store: appends events durably and reads them back, on MongoDB (PyMongo's
native async API). Batches are written by `batch_appends.py`, read models kept by
`projection.py`; this is what the rest of the service calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from bson import ObjectId
from pymongo import AsyncMongoClient, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    DuplicateKeyError,
    PyMongoError,
)

from app.documents.layout import as_stored, from_document, to_document
from app.errors import FieldError, InvalidInput
from app.events import NewEvent, StoredEvent
from app.filters import EventFilter
from app.periods import Bucket
from app.store.batch_appends import AppendedBatch, AppendedEach, BatchAppends
from app.store.call_bounds import CallBounds
from app.store.change_starts import FirstChanges
from app.store.cursors import CursorCodec, stored_cursor_key
from app.store.group_commit import GroupCommit
from app.store.indexes import ensure_indexes
from app.store.log_reads import LogReads
from app.store.model_reads import GroupCount, ModelReads
from app.store.page_reads import DEFAULT_SORT, EventPage, EventQuery, PagedEvent, read_page
from app.store.projection import Projection
from app.store.sequencer import Sequencer, Settled
from app.store.write_turns import WriteTurns

__all__ = ["DEFAULT_SORT", "Appended", "EventPage", "EventQuery", "EventStore", "PagedEvent"]

log = logging.getLogger(__name__)

Document = dict[str, Any]
_END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
# Acknowledged only once the write is in the journal of a majority: durably accepted.
_DURABLE = WriteConcern(w="majority", j=True)


@dataclass(frozen=True)
class Appended:
    """The outcome of `append`: the stored event, its document as the store holds it, and
    whether this call stored it. `skipped_seq` is a sequence number this call reserved and
    will never use (the key turned out to be taken): live delivery need not wait for it."""

    event: StoredEvent
    document: Document
    created: bool
    skipped_seq: int | None = None


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _translates_driver_errors(
    method: Callable[Concatenate[EventStore, _P], Coroutine[Any, Any, _R]],
) -> Callable[Concatenate[EventStore, _P], Coroutine[Any, Any, _R]]:
    """The method, bounded in time and raising the service's errors (`CallBounds`)."""

    @functools.wraps(method)
    async def call(store: EventStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        return await store._bounds.run(lambda: method(store, *args, **kwargs))

    return call


def _first_in_turn(
    method: Callable[Concatenate[EventStore, _P], Coroutine[Any, Any, _R]],
) -> Callable[Concatenate[EventStore, _P], Coroutine[Any, Any, _R]]:
    """An append: the read models' writes wait while it is in flight (`WriteTurns`)."""

    @functools.wraps(method)
    async def call(store: EventStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with store._turns.appending():
            return await method(store, *args, **kwargs)

    return call


class EventStore:
    def __init__(
        self,
        client: AsyncMongoClient[Document],
        database: str,
        *,
        timeout_seconds: float = 30,
        query_seconds: float = 60,
        lease_seconds: float = 10,
    ) -> None:
        self._client = client
        self._bounds = CallBounds(timeout_seconds=timeout_seconds, query_seconds=query_seconds)
        # Reads on behalf of clients stop here (maxTimeMS): a filter that scans all events
        # must not keep the database busy for everyone.
        self._query_ms = int(query_seconds * 1000)
        db = client[database]
        self._events: AsyncCollection[Document] = db.get_collection(
            "events", write_concern=_DURABLE
        )
        self._counters: AsyncCollection[Document] = db.get_collection(
            "counters", write_concern=_DURABLE
        )
        self._keys: AsyncCollection[Document] = db.get_collection("keys", write_concern=_DURABLE)
        # A gap in the log is given up after any write could have landed (socket timeout).
        settle = 2 * query_seconds + 2 * timeout_seconds
        self._sequencer = Sequencer(
            self._counters,
            db.get_collection("leases", write_concern=_DURABLE),
            lease_seconds=lease_seconds,
            settle_seconds=settle,
        )
        self._group_commit = GroupCommit(self._events, self._sequencer.positions)
        self._turns = WriteTurns()
        self._cursors: CursorCodec | None = None
        self._projection = Projection(
            db, self._events, self.allocated, settle_seconds=settle, turns=self._turns
        )
        self._projecting: asyncio.Task[None] | None = None
        self._reads = ModelReads(self._projection, self._events, self.allocated, self._query_ms)
        self._log = LogReads(self._events, self.allocated, self._bounds, query_ms=self._query_ms)
        self._batches = BatchAppends(
            client, self._events, self._projection, self._sequencer.positions, self._log.unused
        )

    @classmethod
    def connect(
        cls,
        uri: str,
        database: str,
        *,
        timeout_seconds: float = 30,
        query_seconds: float = 60,
        lease_seconds: float = 10,
    ) -> EventStore:
        """A store on `uri`; the driver connects lazily, on first use.

        An operation that finds no reachable server gives up after `timeout_seconds`; a read
        for a client, after `query_seconds` of work in the database.
        """
        client: AsyncMongoClient[Document] = AsyncMongoClient(
            uri,
            tz_aware=True,
            serverSelectionTimeoutMS=int(timeout_seconds * 1000),
            connectTimeoutMS=int(timeout_seconds * 1000),
            # A server that accepts connections but stops answering would hold requests
            # forever: give up well after any read may run (its maxTimeMS) and a write waits.
            socketTimeoutMS=int((2 * query_seconds + timeout_seconds) * 1000),
            # The embedded server closes connections idle for 5 minutes; a pooled one it closed
            # would fail the next write on a quiet service. Retire them before it does.
            maxIdleTimeMS=240_000,
        )
        return cls(
            client,
            database,
            timeout_seconds=timeout_seconds,
            query_seconds=query_seconds,
            lease_seconds=lease_seconds,
        )

    async def prepare(self) -> None:
        """Create indexes and learn what the server supports; run once at start-up."""
        await ensure_indexes(self._events)
        hello = await self._client.admin.command("hello")
        # Multi-document transactions need a replica set (or a sharded cluster).
        self._batches.transactions = "setName" in hello or hello.get("msg") == "isdbgrid"
        await self._prepare_counter()
        self._cursors = CursorCodec(await stored_cursor_key(self._keys))
        await self._projection.prepare()

    def keep_read_models(self) -> None:
        """Keep the read models up with the log in the background, until `close`."""
        self._projecting = asyncio.create_task(self._projection.run(), name="read-models")

    async def rebuild_read_models(self, progress: Callable[[int, int], None]) -> None:
        """Build the read models again from every stored event, reporting (done, of)."""
        await self._projection.reset()
        await self._projection.catch_up(progress)

    async def close(self) -> None:
        if self._projecting is not None:
            self._projection.stop()
            self._projecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._projecting
        await self._group_commit.close()
        await self._sequencer.close()
        await self._client.close()

    def stopping(self, within: float) -> None:
        """The service is stopping: every call ends within `within` seconds (`CallBounds`)."""
        self._bounds.stopping(within)

    def collection(self, name: str) -> AsyncCollection[Document]:
        """Another collection of the store's database, written durably (webhooks' state)."""
        return self._events.database.get_collection(name, write_concern=_DURABLE)

    async def ping(self) -> bool:
        try:
            await self._client.admin.command("ping")
        except PyMongoError:
            return False
        return True

    @_translates_driver_errors
    @_first_in_turn
    async def append(
        self, event: NewEvent, *, received_at: datetime, idempotency_key: str | None = None
    ) -> Appended:
        """Store one event; with a key seen before, store nothing and return the first one."""
        if idempotency_key is not None:
            earlier = await self._events.find_one({"idempotencyKey": idempotency_key})
            if earlier is not None:
                return Appended(from_document(earlier), earlier, created=False)
        try:
            document = await self._group_commit.write(
                lambda seq: to_document(
                    event, seq=seq, received_at=received_at, idempotency_key=idempotency_key
                )
            )
        except DuplicateKeyError as duplicate:
            earlier = await self._events.find_one({"idempotencyKey": idempotency_key})
            if earlier is None:
                raise
            refused: Document = (duplicate.details or {})["op"]
            if earlier["seq"] == refused["seq"]:
                # Our own write, landed before its connection broke and refused when the
                # driver retried it: the event is new, and its number is not given up.
                self._projection.nudge()
                return Appended(from_document(earlier), earlier, created=True)
            # Another request with the same key won the race; its event is the answer.
            self._projection.given_up([refused["seq"]])
            return Appended(
                from_document(earlier), earlier, created=False, skipped_seq=refused["seq"]
            )
        self._projection.nudge()
        return Appended(as_stored(event, document), document, created=True)

    @_translates_driver_errors
    @_first_in_turn
    async def append_many(
        self,
        events: Sequence[NewEvent],
        *,
        received_at: datetime,
        idempotency_key: str | None = None,
    ) -> AppendedBatch:
        """Store all of `events` or none of them; with a key seen before, store nothing and
        return the batch stored under it (`BatchAppends.append_many`)."""
        return await self._batches.append_many(
            events, received_at=received_at, idempotency_key=idempotency_key
        )

    @_translates_driver_errors
    @_first_in_turn
    async def append_each_keyed(
        self, events: Sequence[NewEvent], keys: Sequence[str | None], *, received_at: datetime
    ) -> AppendedEach:
        """Store each event once under its own key (`BatchAppends.append_each_keyed`)."""
        return await self._batches.append_each_keyed(events, keys, received_at=received_at)

    @_translates_driver_errors
    async def get(self, event_id: str) -> StoredEvent | None:
        if not ObjectId.is_valid(event_id):
            raise InvalidInput([FieldError(("id",), f"{event_id!r} is not an event id")])
        document = await self._events.find_one({"_id": ObjectId(event_id)})
        return None if document is None else from_document(document)

    @_translates_driver_errors
    async def latest_about(
        self, subject: str, *, team_id: str | None, types: Sequence[str]
    ) -> StoredEvent | None:
        """The team's latest event of one of `types` whose subject (`object`) is `subject`:
        one bounded range of the `object_team` index."""
        found = await self._events.find_one(
            {"object": subject, "teamId": team_id, "type": {"$in": list(types)}},
            sort=[("seq", -1)],
        )
        return None if found is None else from_document(found)

    @_translates_driver_errors
    async def count(self, event_filter: EventFilter, at_most: int | None = None) -> int:
        """How many events `event_filter` selects (the log counted up to `at_most`, when
        given): from the count read model when it can."""
        return await self._reads.count(event_filter, at_most)

    @_translates_driver_errors
    async def page(self, query: EventQuery) -> EventPage:
        """One page of the events matching `query`, in its order, after its cursor
        (`page_reads.py`); counting all matches is a separate `count`."""
        return await read_page(
            self._events, self._projection, self._codec, query, query_ms=self._query_ms
        )

    @_translates_driver_errors
    async def last_seq(self) -> int:
        """The sequence number of the newest stored event (0 when there is none)."""
        return await self._log.last_seq()

    @_translates_driver_errors
    async def events_by_seq(self, seqs: Sequence[int]) -> list[StoredEvent]:
        """The stored events of these sequence numbers, in sequence order."""
        return await self._log.events_by_seq(seqs)

    @_translates_driver_errors
    async def documents_between(self, after_seq: int, before_seq: int) -> list[Document]:
        """The documents of the events with `after_seq` < seq < `before_seq`, in sequence
        order (`LogReads.documents_between`)."""
        return await self._log.documents_between(after_seq, before_seq)

    def replay(
        self, match: Mapping[str, Any], *, after_seq: int, through_seq: int, batch: int = 500
    ) -> AsyncIterator[StoredEvent]:
        """Stored events matching `match` with `after_seq` < seq <= `through_seq`, in order,
        in bounded reads (`LogReads.replay`)."""
        return self._log.replay(match, after_seq=after_seq, through_seq=through_seq, batch=batch)

    @_translates_driver_errors
    async def count_groups(
        self, event_filter: EventFilter, fields: Sequence[str], bucket: Bucket | None, *, limit: int
    ) -> list[GroupCount]:
        """Counts of matching events per value of `fields` (stored paths) and, with `bucket`,
        per UTC period of `timestamp`: from the count read model when it can, else by MongoDB.

        At most `limit` of them (which ones is arbitrary).
        """
        return await self._reads.count_groups(event_filter, fields, bucket, limit)

    @_translates_driver_errors
    async def first_changes(
        self, scope: EventFilter, commits: Sequence[str], deployed: tuple[datetime, datetime]
    ) -> FirstChanges | None:
        """Each commit's first `commit`/`change` event in a scope of a team and a repo (either
        may be left out), and which a push left a branch at, from the change-starts model;
        None for another scope. Commits deployed in `deployed` cost one read, others a lookup."""
        return await self._reads.first_changes(scope, commits, deployed)

    @_translates_driver_errors
    async def delivery_events(self, event_filter: EventFilter) -> list[Document]:
        """The delivery fields (`DELIVERY_FIELDS`) of the events the filter selects; from the
        delivery read model when the filter asks only for its kinds and fields."""
        return await self._reads.delivery_events(event_filter)

    def cursor_of(self, event: StoredEvent) -> str:
        """The cursor of `event` in the default order (newest first)."""
        return self._codec.encode(DEFAULT_SORT, (event.timestamp,), event.seq)

    async def arrivals_cursor(self) -> str:
        """A cursor at the newest arrival with nothing still being written below it: what a
        subscription resumes after to get what arrives from now on, whatever its time. Its
        time is the end of time: as a page cursor it starts at the newest event."""
        seq = await self.settled_seq()
        return self._codec.encode(DEFAULT_SORT, (_END_OF_TIME,), seq)

    def seq_of_cursor(self, token: str) -> int:
        """The sequence number a cursor of any sort points at (BAD_USER_INPUT if not ours)."""
        return self._codec.seq(token)

    @property
    def _codec(self) -> CursorCodec:
        if self._cursors is None:
            raise RuntimeError("cursors need the database's key: was EventStore.prepare() run?")
        return self._cursors

    async def allocated(self) -> int:
        """The last sequence number handed out (its event may not be written yet)."""
        return await self._sequencer.allocated()

    @_translates_driver_errors
    async def settled(self) -> Settled:
        """The sequence numbers still in flight (handed out, neither stored nor refused)."""
        return await self._sequencer.settled()

    @_translates_driver_errors
    async def settled_seq(self) -> int:
        """The highest sequence number with every number up to it settled: stored, or never
        to be. What live delivery starts from, and the newest arrival a cursor may name."""
        settled = await self._sequencer.settled()
        return settled.settled_through(await self._log.last_seq())

    async def _prepare_counter(self) -> None:
        """Make the counter, ahead of every stored event even after a restore or a crash
        (normally nothing lies past it; after a restore of an older one, what it missed does)."""
        counter = await self._sequencer.allocated()
        beyond = await self._events.find({"seq": {"$gt": counter}}, {"seq": 1}).to_list()
        top = max([counter, *(int(document["seq"]) for document in beyond)])
        await self._sequencer.prepare(top)
