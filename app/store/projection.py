"""Keeping the read models up with the event log.

The log is the `events` collection in sequence order. The read models (event counts, delivery
events) have absorbed every event up to a checkpoint sequence number, kept in `read_models`
with the generation of the models' collections; a read adds what lies after the checkpoint
(the tail) from the log itself, so answers are exact however far behind the models are.

A batch is planned before it is applied: the plan (its range of sequence numbers and the ones
given up in it) is written to the checkpoint document first, so a batch interrupted by a crash
is redone, by any process, with exactly the same events; each model absorbs idempotently.
Several processes may project at once: the checkpoint moves only from where a plan started.

Sequence numbers are handed out before their events are written, so the log can hold a gap
that is only an event still in flight. The checkpoint waits at a gap until it is known to be
given up (this process gave it up) or has stayed open for `settle_seconds`, far longer than a
write may take.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, PyMongoError

from app.store.change_starts import ChangeStarts
from app.store.count_model import CountModel
from app.store.delivery_model import DELIVERY_FIELDS, DeliveryModel
from app.store.read_model import ReadModel
from app.store.write_turns import WriteTurns

__all__ = ["FORMAT", "Checkpoint", "Projection"]

log = logging.getLogger(__name__)

Document = dict[str, Any]
# Bump when what the read models hold changes: databases on an older format rebuild them.
# 2: the delivery models hold every family's events of a delivery type, read by role.
# 3: a team's counts in one document per month, its days inside; one change-starts document
# per commit.
# 4: the delivery model keeps `object` (a subject, which may name an incident).
# 5: and `environment`; pipeline stage completions are delivery events.
# 6: and the paths of a body a family's part reads (`DELIVERY_PATHS`: a push's commits, an
# issue's labels); GitHub issues are delivery events.
FORMAT = 6
_ID = "checkpoint"
_REPORT_SECONDS = 5
# The read models, each absorbing every batch in this order.
_MODEL_KINDS: tuple[type[ReadModel], ...] = (CountModel, DeliveryModel, ChangeStarts)
_MODEL_PREFIXES = tuple(kind.collection_prefix for kind in _MODEL_KINDS)
# What the models read of an event.
PROJECTED = dict.fromkeys(DELIVERY_FIELDS | {"seq", "teamId", "source", "type"}, 1)


@dataclass(frozen=True)
class Checkpoint:
    """How far the read models are: every event up to `seq`, `count` of them, their times
    from `first` to `last`."""

    seq: int
    count: int
    first: datetime | None
    last: datetime | None


class Projection:
    def __init__(
        self,
        database: AsyncDatabase[Document],
        events: AsyncCollection[Document],
        allocated: Callable[[], Any],
        *,
        settle_seconds: float = 30,
        batch: int = 5000,
        gather_seconds: float = 0.5,
        turns: WriteTurns,
    ) -> None:
        self._database = database
        self._events = events
        self._allocated = allocated
        self._meta: AsyncCollection[Document] = database.get_collection("read_models")
        self._settle_seconds = settle_seconds
        self._batch = batch
        self._gather_seconds = gather_seconds
        self._generation = -1
        self._turns = turns
        self._models(0)
        self._gaps: dict[int, float] = {}
        self._given_up: set[int] = set()
        self._nudged = asyncio.Event()
        self._stopping = False

    async def prepare(self) -> None:
        """Make the read models usable; start them over when missing or of an older format."""
        with contextlib.suppress(DuplicateKeyError):
            await self._meta.insert_one(_fresh(generation=1))
        meta = await self._meta.find_one({"_id": _ID})
        if meta is None or meta.get("format", 0) < FORMAT:
            log.info("read models are of an older format: rebuilding them from the events")
            await self.reset()
        else:
            await self._use(int(meta["generation"]))
        behind = int(await self._allocated()) - (await self.checkpoint()).seq
        if behind > self._batch:
            log.info("read models absorb %d stored events in the background", behind)

    async def reset(self) -> None:
        """Start the read models over, empty, in a new generation of collections."""
        meta = await self._meta.find_one({"_id": _ID}) or {}
        generation = int(meta.get("generation", 0)) + 1
        await self._meta.replace_one({"_id": _ID}, _fresh(generation), upsert=True)
        await self._use(generation)
        for name in await self._database.list_collection_names():
            if name.startswith(_MODEL_PREFIXES) and not name.endswith(f"_{generation}"):
                await self._database.drop_collection(name)

    async def checkpoint(self) -> Checkpoint:
        meta = await self._meta.find_one({"_id": _ID})
        if meta is None:
            raise RuntimeError("the read models are missing: was EventStore.prepare() run?")
        if meta["generation"] != self._generation:
            await self._use(int(meta["generation"]))
        return Checkpoint(
            seq=int(meta["seq"]),
            count=int(meta["count"]),
            first=meta.get("first"),
            last=meta.get("last"),
        )

    def stop(self) -> None:
        """End `run` at its next step, whether or not a cancellation of its task reaches it.

        A cancellation can be swallowed (Python 3.11's `wait_for` does when what it waits
        for completes on the same turn of the loop): a service that had only cancelled this
        task was seen waiting for it for good at shutdown, the task still looping.
        """
        self._stopping = True
        self._nudged.set()

    def nudge(self) -> None:
        """Events were stored: absorb them soon."""
        self._nudged.set()

    def given_up(self, seqs: Iterable[int]) -> None:
        """Sequence numbers this process reserved and will never write."""
        self._given_up.update(seqs)
        self.nudge()

    async def absorb_next(self) -> int:
        """Absorb the next batch of the log, if one is ready; how many events it held."""
        meta = await self._meta.find_one({"_id": _ID})
        if meta is None:
            return 0
        if meta["generation"] != self._generation:
            await self._use(int(meta["generation"]))
        plan = meta.get("pending")
        events = None
        if plan is None:
            planned = await self._plan(int(meta["seq"]))
            if planned is None:
                return 0
            plan, events = planned
            claimed = await self._meta.update_one(
                {"_id": _ID, "generation": self._generation, "seq": plan["from"], "pending": None},
                {"$set": {"pending": plan}},
            )
            if claimed.matched_count == 0:
                return 0  # another process planned first; its plan is read next time
        return await self._apply(plan, events)

    async def catch_up(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Absorb until the models hold the whole log (gaps still open are waited for)."""
        while True:
            absorbed = await self.absorb_next()
            if progress is not None:
                checkpoint = await self.checkpoint()
                progress(checkpoint.seq, int(await self._allocated()))
            if absorbed == 0:
                if (await self.checkpoint()).seq >= int(await self._allocated()):
                    return
                await asyncio.sleep(0.5)

    async def run(self, poll_seconds: float = 1.0) -> None:
        """Absorb for as long as the service runs: shortly after a nudge (`gather_seconds`),
        and every `poll_seconds` for events other processes stored."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), poll_seconds)
            if self._stopping:  # `stop` also sets the nudge, so this wait ends at once
                return
            # Appends come in bursts. Absorbing at each one's nudge pays a batch's fixed round
            # trips (checkpoint, plan, claim, the models' writes) per event, on the database
            # the appends wait for; a moment's wait absorbs the burst as one batch. Reads are
            # exact meanwhile: they add the tail the models have not absorbed.
            await asyncio.sleep(self._gather_seconds)
            self._nudged.clear()
            try:
                await self._absorb_all()
            except PyMongoError as error:
                log.warning("read models wait for the database: %s", error)
            except Exception:
                # Reads stay exact without the models (they read the tail): keep trying.
                log.exception("read models could not absorb a batch; trying again")
                await asyncio.sleep(poll_seconds)

    async def _absorb_all(self) -> None:
        """Absorb the batches ready while they come full (a backlog, a rebuild at start-up, which
        says how it goes). A partial batch ends the round: what arrives meanwhile waits for the
        next nudge and its gathering, or every batch of a steady stream would be its few events
        of the moment, each paying the batch's fixed writes."""
        reported = time.monotonic()
        while await self.absorb_next() >= self._batch:
            if time.monotonic() - reported >= _REPORT_SECONDS:
                reported = time.monotonic()
                done, of = (await self.checkpoint()).seq, int(await self._allocated())
                log.info("read models: %d of %d events absorbed", done, of)

    async def _plan(self, after: int) -> tuple[Document, list[Document]] | None:
        """The next batch: the longest run after `after` with no gap still open; and its
        events, read once for planning and absorbing."""
        found = await self._events.find(
            {"seq": {"$gt": after, "$lte": after + self._batch}}, PROJECTED
        ).to_list()
        present = {int(document["seq"]) for document in found}
        allocated = int(await self._allocated())
        skipped: list[int] = []
        end = after
        for seq in range(after + 1, min(after + self._batch, allocated) + 1):
            if seq not in present:
                if not self._settled(seq):
                    break
                skipped.append(seq)
            end = seq
        if end == after:
            return None
        plan = {"from": after, "to": end, "skipped": skipped}
        return plan, [document for document in found if document["seq"] <= end]

    def _settled(self, seq: int) -> bool:
        if seq in self._given_up:
            return True
        now = time.monotonic()
        return now - self._gaps.setdefault(seq, now) >= self._settle_seconds

    async def _apply(self, plan: Mapping[str, Any], events: list[Document] | None) -> int:
        """Absorb a plan's events (read again when redoing another attempt's plan)."""
        first, last = int(plan["from"]), int(plan["to"])
        skipped = set(plan["skipped"])
        if events is None:
            events = [
                document
                for document in await self._events.find(
                    {"seq": {"$gt": first, "$lte": last}}, PROJECTED
                ).to_list()
                if document["seq"] not in skipped
            ]
        # One model after the other: no client waits for them, and the embedded server spends
        # more on writes that overlap than on the same writes in turn.
        for model in self._read_models:
            await model.absorb(events, upto=last)
        update: Document = {"$set": {"seq": last, "pending": None}, "$inc": {"count": len(events)}}
        if events:
            update["$min"] = {"first": min(event["timestamp"] for event in events)}
            update["$max"] = {"last": max(event["timestamp"] for event in events)}
        await self._meta.update_one(
            {"_id": _ID, "generation": self._generation, "seq": first}, update
        )
        for seq in range(first + 1, last + 1):
            self._gaps.pop(seq, None)
            self._given_up.discard(seq)
        return len(events) + len(skipped)

    def _models(self, generation: int) -> None:
        models = [
            kind(
                self._database.get_collection(f"{kind.collection_prefix}{generation}"), self._turns
            )
            for kind in _MODEL_KINDS
        ]
        self._read_models: list[ReadModel] = models
        # The readers' handles on the models they read (`model_reads.py`).
        self.counts, self.deliveries, self.starts = (
            _of(models, CountModel),
            _of(models, DeliveryModel),
            _of(models, ChangeStarts),
        )

    async def _use(self, generation: int) -> None:
        if generation == self._generation:
            return
        self._generation = generation
        self._models(generation)
        for model in self._read_models:
            await model.prepare()


_M = TypeVar("_M")


def _of(models: list[ReadModel], kind: type[_M]) -> _M:
    (found,) = (model for model in models if isinstance(model, kind))
    return found


def _fresh(generation: int) -> Document:
    return {
        "_id": _ID,
        "format": FORMAT,
        "generation": generation,
        "seq": 0,
        "pending": None,
        "count": 0,
    }
