"""The event store: appends events durably and reads them back, on MongoDB (PyMongo's
native async API). Batches are written by `batch_appends.py`, read models kept by
`projection.py`; this is what the rest of the service calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from bson import Binary, ObjectId
from pymongo import AsyncMongoClient, WriteConcern
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    ExecutionTimeout,
    PyMongoError,
)

from app.documents.layout import from_document, to_document
from app.errors import DatabaseUnavailable, FieldError, InvalidInput, QueryTimeout
from app.events import NewEvent, StoredEvent
from app.filters import AllOf, EventFilter, to_mongo
from app.periods import Bucket
from app.store.arrival import arrived_at
from app.store.batch_appends import AppendedBatch, AppendedEach, BatchAppends
from app.store.conditions import narrowed
from app.store.cursors import CursorCodec
from app.store.group_commit import GroupCommit
from app.store.indexes import ensure_indexes
from app.store.model_reads import GroupCount, ModelReads
from app.store.paging import SortKey, after_clause, sort_spec, sort_value
from app.store.projection import Projection
from app.store.sequencer import Sequencer, Settled
from app.store.windows import Density, read_in_windows
from app.store.write_turns import WriteTurns

__all__ = ["DEFAULT_SORT", "Appended", "EventPage", "EventQuery", "EventStore", "PagedEvent"]

log = logging.getLogger(__name__)

_SEQS_PER_READ = 25

Document = dict[str, Any]
DEFAULT_SORT = (SortKey("timestamp", descending=True),)
_END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
# Acknowledged only once the write is in the journal of a majority: durably accepted.
_DURABLE = WriteConcern(w="majority", j=True)


@dataclass(frozen=True)
class EventQuery:
    """What to read: the events `filter` selects, in `sort` order, after the cursor `after`."""

    filter: EventFilter = field(default_factory=lambda: AllOf(()))
    sort: tuple[SortKey, ...] = DEFAULT_SORT
    limit: int = 50
    after: str | None = None
    # Offset paging, for clients that speak it (FeathersJS `$skip`); cursors need none.
    skip: int = 0


@dataclass(frozen=True)
class Appended:
    """The outcome of `append`: the stored event, and whether this call stored it.

    `skipped_seq` is a sequence number this call reserved and will never be used (the key
    turned out to be taken): live delivery need not wait for it.
    """

    event: StoredEvent
    created: bool
    skipped_seq: int | None = None


@dataclass(frozen=True)
class PagedEvent:
    event: StoredEvent
    cursor: str


@dataclass(frozen=True)
class EventPage:
    events: list[PagedEvent]
    has_next_page: bool


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _translates_driver_errors(
    method: Callable[Concatenate[EventStore, _P], Coroutine[Any, Any, _R]],
) -> Callable[Concatenate[EventStore, _P], Coroutine[Any, Any, _R]]:
    """The method, raising the service's errors for the driver's (see `_driver_errors`)."""

    @functools.wraps(method)
    async def call(store: EventStore, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with store._driver_errors():
            try:
                async with store._bounded():
                    call = asyncio.create_task(method(store, *args, **kwargs))
                    try:
                        return await asyncio.shield(call)
                    except BaseException:
                        # The answer does not wait for the call to unwind (a driver closing
                        # the connection of a cancelled operation): it ends on its own.
                        call.cancel()
                        call.add_done_callback(_outcome_dropped)
                        raise
            except TimeoutError:
                if store._stop_at is not None:
                    raise DatabaseUnavailable(
                        "the service is stopping; retry once it is back (a write may have "
                        "happened: an idempotency key makes its retry safe)"
                    ) from None
                raise DatabaseUnavailable(
                    f"MongoDB did not answer within {store.longest_wait:g}s (busy, or "
                    "restarting); retry later (a write may have happened: an idempotency key "
                    "makes its retry safe)"
                ) from None

    return call


def _outcome_dropped(call: asyncio.Task[Any]) -> None:
    """A call nobody waits for any more: its outcome is dropped, not reported as lost."""
    if not call.cancelled():
        call.exception()


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
        self._timeout_seconds = timeout_seconds
        # No call waits longer, however busy the database or the queue before it: twice the
        # query timeout (a read, then the write it decides) plus the MongoDB timeout.
        self.longest_wait = 2 * query_seconds + timeout_seconds
        # The calls under way, each under its deadline; all cut short when the service stops.
        self._calls: set[asyncio.Timeout] = set()
        self._stop_at: float | None = None
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
        self._batches = BatchAppends(
            client, self._events, self._projection, self._sequencer.positions, self._unused
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
        self._cursors = CursorCodec(await self._cursor_key())
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

    @contextlib.asynccontextmanager
    async def _bounded(self) -> AsyncIterator[asyncio.Timeout]:
        loop = asyncio.get_running_loop()
        start = arrived_at()
        deadline = (loop.time() if start is None else start) + self.longest_wait
        if self._stop_at is not None:
            deadline = min(deadline, self._stop_at)
        async with asyncio.timeout_at(deadline) as bound:
            self._calls.add(bound)
            try:
                yield bound
            finally:
                self._calls.discard(bound)

    def stopping(self, within: float) -> None:
        """The service is stopping: every call, under way or to come, ends within `within`
        seconds, answered, or refused as DATABASE_UNAVAILABLE, so no request outlives the
        stop's grace (run on the event loop's thread)."""
        self._stop_at = asyncio.get_running_loop().time() + within
        for bound in self._calls:
            when = bound.when()
            if when is None or when > self._stop_at:
                bound.reschedule(self._stop_at)

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
                return Appended(from_document(earlier), created=False)
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
                return Appended(from_document(earlier), created=True)
            # Another request with the same key won the race; its event is the answer.
            self._projection.given_up([refused["seq"]])
            return Appended(from_document(earlier), created=False, skipped_seq=refused["seq"])
        self._projection.nudge()
        return Appended(from_document(document), created=True)

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
    async def count(self, event_filter: EventFilter) -> int:
        """How many events `event_filter` selects: from the count read model when it can."""
        return await self._reads.count(event_filter)

    @_translates_driver_errors
    async def page(self, query: EventQuery) -> EventPage:
        """One page of the events matching `query`, in its order, after its cursor.

        Counting all matches is a separate `count`, paid for only by callers who want it.
        """
        after = None if query.after is None else self._codec.decode(query.sort, query.after)
        if query.sort and query.sort[0].path == "timestamp":
            checkpoint = await self._projection.checkpoint()
            density = Density(checkpoint.count, checkpoint.first, checkpoint.last)
            wanted = query.skip + query.limit + 1
            found = await read_in_windows(
                self._events,
                query.filter,
                query.sort,
                after,
                wanted,
                density,
                self._query_ms / 1000,
            )
            found = found[query.skip :]
        else:
            condition = to_mongo(query.filter)
            if after is not None:
                clause = after_clause(query.sort, after)
                condition = {"$and": [condition, clause]} if condition else clause
            cursor = self._events.find(condition, max_time_ms=self._query_ms)
            cursor = cursor.sort(sort_spec(query.sort)).skip(query.skip).limit(query.limit + 1)
            found = await cursor.to_list()
        return EventPage(
            events=[
                PagedEvent(
                    event=from_document(document),
                    cursor=self._codec.encode(
                        query.sort,
                        tuple(sort_value(document, key) for key in query.sort),
                        document["seq"],
                    ),
                )
                for document in found[: query.limit]
            ],
            has_next_page=len(found) > query.limit,
        )

    @_translates_driver_errors
    async def last_seq(self) -> int:
        """The sequence number of the newest stored event (0 when there is none).

        Looked for below the last number handed out, in ranges growing from the top: "the
        greatest of all" would read the whole index on the embedded server.
        """
        top, width = await self.allocated(), 64
        while top > 0:
            low = max(top - width, 0)
            found = await self._events.find(
                {"seq": {"$gt": low, "$lte": top}}, {"seq": 1}
            ).to_list()
            if found:
                return max(int(document["seq"]) for document in found)
            top, width = low, width * 4
        return 0

    @_translates_driver_errors
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

    @_translates_driver_errors
    async def events_between(self, after_seq: int, before_seq: int) -> list[StoredEvent]:
        """Stored events with `after_seq` < seq < `before_seq`, in sequence order."""
        found = self._events.find({"seq": {"$gt": after_seq, "$lt": before_seq}}).sort("seq", 1)
        return [from_document(document) async for document in found]

    async def replay(
        self, match: Mapping[str, Any], *, after_seq: int, through_seq: int, batch: int = 500
    ) -> AsyncIterator[StoredEvent]:
        """Stored events matching `match` with `after_seq` < seq <= `through_seq`, in order.

        Read in batches over windows of sequence numbers: a long catch-up holds neither a
        cursor open nor much memory, and each read scans a bounded range (the embedded server
        reads every index entry of a range before it applies `limit`: one read of the whole
        backlog per batch made a catch-up of 20,000 events start after seconds). A window that
        finds few matches grows, so a rare filter does not cost a read per few events.
        """
        window = batch
        while after_seq < through_seq:
            upto = min(after_seq + window, through_seq)
            condition = narrowed(match, "seq", {"$gt": after_seq, "$lte": upto})
            with self._driver_errors():
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
    ) -> dict[str, datetime] | None:
        """Each commit's first `commit`/`change` event in a scope of a team and a repo (either
        may be left out), from the change-starts read model; None for another scope. Commits
        deployed successfully in `deployed` cost one range read together, others a lookup."""
        return await self._reads.first_changes(scope, commits, deployed)

    @_translates_driver_errors
    async def delivery_events(self, event_filter: EventFilter) -> list[Document]:
        """The delivery fields (`DELIVERY_FIELDS`) of the events the filter selects; from the
        delivery read model when the filter asks only for its kinds and fields."""
        return await self._reads.delivery_events(event_filter)

    @contextlib.contextmanager
    def _driver_errors(self) -> Iterator[None]:
        try:
            yield
        except ExecutionTimeout as error:
            raise QueryTimeout(
                f"the query ran longer than {self._query_ms / 1000:g}s in MongoDB; narrow it "
                "(filters on teamId, source, type and timestamp ranges are index-backed)"
            ) from error
        except ConnectionFailure as error:
            raise DatabaseUnavailable(
                f"MongoDB did not answer within {self._timeout_seconds:g}s; retry later (a "
                "write may have happened: an idempotency key makes its retry safe)"
            ) from error

    def cursor_of(self, event: StoredEvent) -> str:
        """The cursor of `event` in the default order (newest first)."""
        return self._codec.encode(DEFAULT_SORT, (event.timestamp,), event.seq)

    async def arrivals_cursor(self) -> str:
        """A cursor at the newest arrival with nothing still being written below it: what a
        subscription resumes after to get what arrives from now on, whatever its time, and
        every event of a batch still being written. Its time is the end of time, so as a page
        cursor it starts at the newest event, and it says nothing about the event it stands
        after."""
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

    async def _cursor_key(self) -> bytes:
        """The key cursors are signed with, made once per database and kept in it."""
        # Already made, maybe by another process starting now: then the insert is refused.
        with contextlib.suppress(DuplicateKeyError):
            await self._keys.insert_one({"_id": "cursors", "key": Binary(secrets.token_bytes(32))})
        document = await self._keys.find_one({"_id": "cursors"})
        if document is None:
            raise RuntimeError("the cursor key could not be stored")
        return bytes(document["key"])

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
        return settled.settled_through(await self.last_seq())

    async def _unused(self, seqs: list[int]) -> list[int]:
        """Those of `seqs` no stored event holds. A write refused as a duplicate may be our
        own, retried by the driver after its first try landed: its number is used."""
        if not seqs:
            return []
        found = self._events.find({"seq": {"$in": seqs}}, {"seq": 1})
        used = {int(document["seq"]) async for document in found}
        return [seq for seq in seqs if seq not in used]

    async def _prepare_counter(self) -> None:
        """Make the counter, ahead of every stored event even after a restore or a crash."""
        counter = await self._sequencer.allocated()
        # Normally nothing lies past the counter; after a restore of an older counter, the
        # events it missed do (and without any counter, all of them, once).
        beyond = await self._events.find({"seq": {"$gt": counter}}, {"seq": 1}).to_list()
        top = max([counter, *(int(document["seq"]) for document in beyond)])
        await self._sequencer.prepare(top)
