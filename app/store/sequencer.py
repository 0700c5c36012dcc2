"""Positions in the log: handing out sequence numbers, and knowing which of them are settled.

A number is handed out before its event is written, so for a while it is neither stored nor
known never to be. Live delivery, a resumed subscription and a cursor at the newest arrival
must never step past such a number: an event written there later would land below a position
a subscriber already holds, and be missed or delivered out of order.

So every range is recorded as in flight in the same atomic update of the counter document that
hands it out (`inflight`), under the lease of the process that took it, and released once its
insert has been answered. A release rides on the process's next allocation (the same update,
so a busy process writes the counter once per group, as before) or, when none comes soon, is
written alone; this process counts its own released ranges as settled at once.

A number below the counter is settled when no live entry covers it: its event is stored, or it
never will be. An entry stops being live when it is released; when
its insert's outcome was unknown (a lost connection, a cancelled request) and the time any
such write could still land has passed (`deadlines`); or when its process is dead: its lease
found expired, and still not renewed, a whole lease period later. A live process renews its
lease every third of a period as long as it reaches the database, and the driver retries a
write at most once, on reconnecting, so a lease seen lapsed twice that far apart belongs to a
process that can write nothing more.

Clocks: leases and deadlines are wall-clock times from the processes that write them; clocks
of processes sharing a database must agree to well within a lease period (seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import OperationFailure, PyMongoError, WriteConcernError

__all__ = ["Sequencer", "Settled", "WriteRefused"]

log = logging.getLogger(__name__)

Document = dict[str, Any]
_COUNTER = {"_id": "events"}
# A lease expired this long ago belongs to a process nobody will ask about again.
_FORGOTTEN_AFTER = 24 * 3600
# How long a release waits for an allocation to ride on before it is written alone.
_IDLE_RELEASE_SECONDS = 0.25


class WriteRefused(Exception):
    """Raised by a writer whose insert the database answered with a refusal (settled)."""


@dataclass(frozen=True)
class Settled:
    """What the sequence looks like to a reader, at one moment."""

    allocated: int
    """The last number handed out."""
    unsettled: tuple[tuple[int, int], ...]
    """Ranges (first, last) still in flight, lowest first."""

    def settled_through(self, stored: int, *, past: int = 0) -> int:
        """The highest number with every number up to it settled, given the highest stored
        as read after this (numbers handed out since may be in flight below a stored one), or
        the highest a reader is waiting to reach. Ranges ending at or before `past`, which a
        reader has passed (written, their release not written yet), hold nothing back."""
        below = [first - 1 for first, last in self.unsettled if last > past]
        return min([stored, self.allocated, *below])


@dataclass
class _Observed:
    """A lease seen expired: its expiry then, and when it was first seen so."""

    expiry: float
    since: float


@dataclass
class _Pending:
    released: set[str] = field(default_factory=set)
    uncertain: dict[str, float] = field(default_factory=dict)


class Sequencer:
    def __init__(
        self,
        counters: AsyncCollection[Document],
        leases: AsyncCollection[Document],
        *,
        lease_seconds: float,
        settle_seconds: float,
    ) -> None:
        self._counters = counters
        self._leases = leases
        self._lease_seconds = lease_seconds
        self._settle_seconds = settle_seconds
        self.owner = uuid.uuid4().hex
        self._pending = _Pending()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._lapsed: dict[str, _Observed] = {}

    async def prepare(self, top: int) -> None:
        """Make the counter (at least `top`) and this process's lease; start renewing it."""
        await self._counters.update_one(_COUNTER, {"$max": {"seq": top}}, upsert=True)
        # Leases of processes long gone that had nothing in flight when they went.
        await self._leases.delete_many({"expires": {"$lt": time.time() - _FORGOTTEN_AFTER}})
        await self._renew()
        self._tasks = [
            asyncio.create_task(self._keep_lease(), name="sequence-lease"),
            asyncio.create_task(self._release_pending(), name="sequence-release"),
        ]

    async def close(self) -> None:
        # Said before cancelling: the driver can turn a cancellation into an error of its own,
        # which a task's loop would take for a failure to retry, and go on forever.
        self._closing = True
        for task in self._tasks:
            task.cancel()
        # Gathered, not awaited one by one under `except CancelledError`: that would take in
        # a cancellation of `close` itself as well as the tasks'.
        for ended in await asyncio.gather(*self._tasks, return_exceptions=True):
            if isinstance(ended, Exception):
                # The driver, cancelled mid-way through choosing a server, may raise its own
                # error instead; the lease ends with the process either way.
                log.warning("A sequence task ended with %r while closing", ended)
        self._tasks = []
        # What this process still has in flight is settled by its lease's end, as a crash's.
        with contextlib.suppress(PyMongoError):
            await self._flush()

    async def allocated(self) -> int:
        counter = await self._counters.find_one(_COUNTER, {"seq": 1})
        return 0 if counter is None else int(counter["seq"])

    @contextlib.asynccontextmanager
    async def positions(self, count: int) -> AsyncIterator[range]:
        """`count` consecutive numbers, in flight until the block ends.

        Ending normally, or with the database's refusal, settles them (what was written is
        stored); ending any other way (a lost connection, a cancelled caller) leaves them in
        flight until any write of theirs could have landed.
        """
        token = uuid.uuid4().hex
        try:
            seqs = await self._allocate(count, token)
        except BaseException:
            # The update may have been applied with its answer lost: then its entry lives on
            # under this process's lease, and only a deadline ends it.
            self._uncertain(token)
            raise
        try:
            yield seqs
        except (OperationFailure, WriteConcernError, WriteRefused):
            self._release(token)
            raise
        except BaseException:
            self._uncertain(token)
            raise
        self._release(token)

    async def settled(self) -> Settled:
        """The counter and the ranges still in flight, with every lapsed entry judged."""
        counter = await self._counters.find_one(_COUNTER)
        if counter is None:
            return Settled(0, ())
        now = time.time()
        entries: list[Document] = list(counter.get("inflight") or [])
        deadlines: dict[str, float] = dict(counter.get("deadlines") or {})
        owners = {entry["owner"] for entry in entries}
        leases = {
            document["_id"]: float(document["expires"])
            async for document in self._leases.find({"_id": {"$in": sorted(owners)}})
        }
        live: list[tuple[int, int]] = []
        ended: list[Document] = []
        for entry in entries:
            if entry["token"] in self._pending.released:
                continue  # ours, answered: released with the next write

            deadline = deadlines.get(entry["token"])
            if deadline is not None and deadline < now:
                ended.append(entry)
            elif self._alive(entry["owner"], leases.get(entry["owner"]), now):
                live.append((int(entry["first"]), int(entry["last"])))
            else:
                ended.append(entry)
        tokens = {entry["token"] for entry in entries}
        orphans = [t for t, at in deadlines.items() if t not in tokens and at < now]
        if ended or orphans:
            dead = {e["owner"] for e in ended} - {self.owner}
            await self._forget([e["token"] for e in ended] + orphans, dead=dead)
        return Settled(int(counter["seq"]), tuple(sorted(live)))

    # -- handing out -----------------------------------------------------------------------

    async def _allocate(self, count: int, token: str) -> range:
        entry = {
            "first": {"$subtract": ["$seq", count - 1]},
            "last": "$seq",
            "token": token,
            "owner": self.owner,
        }
        counter = await self._counters.find_one_and_update(
            _COUNTER,
            [
                {"$set": {"seq": {"$add": ["$seq", count]}}},
                {
                    "$set": {
                        "inflight": {"$concatArrays": [{"$ifNull": ["$inflight", []]}, [entry]]}
                    }
                },
            ],
            return_document=ReturnDocument.AFTER,
        )
        if counter is None:
            raise RuntimeError("the sequence counter is missing: was EventStore.prepare() run?")
        last: int = counter["seq"]
        return range(last - count + 1, last + 1)

    def _release(self, token: str) -> None:
        self._pending.released.add(token)
        self._wake.set()

    def _uncertain(self, token: str) -> None:
        self._pending.uncertain[token] = time.time() + self._settle_seconds
        self._wake.set()

    async def _release_pending(self) -> None:
        """What no allocation took along within a moment, and deadlines, written together."""
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.sleep(_IDLE_RELEASE_SECONDS)
            try:
                await self._flush()
            except PyMongoError as error:
                if self._closing:
                    return
                log.warning("Could not release sequence numbers yet (%s); retrying", error)
                await asyncio.sleep(1)
                self._wake.set()

    async def _flush(self) -> None:
        pending, self._pending = self._pending, _Pending()
        if not pending.released and not pending.uncertain:
            return
        update: Document = {}
        if pending.released:
            update["$pull"] = {"inflight": {"token": {"$in": sorted(pending.released)}}}
        if pending.uncertain:
            update["$set"] = {f"deadlines.{t}": at for t, at in pending.uncertain.items()}
        try:
            await self._counters.update_one(_COUNTER, update)
        except BaseException:
            self._pending.released |= pending.released
            self._pending.uncertain |= pending.uncertain
            raise

    # -- leases ----------------------------------------------------------------------------

    async def _renew(self) -> None:
        await self._leases.update_one(
            {"_id": self.owner},
            {"$set": {"expires": time.time() + self._lease_seconds}},
            upsert=True,
        )

    async def _keep_lease(self) -> None:
        while not self._closing:
            await asyncio.sleep(self._lease_seconds / 3)
            try:
                await self._renew()
            except PyMongoError as error:
                if self._closing:
                    return
                log.warning("Could not renew this process's sequence lease (%s)", error)

    def _alive(self, owner: str, expires: float | None, now: float) -> bool:
        """Whether an entry's process may still write: its lease holds, or lapsed too
        recently to tell a dead process from one cut off from the database."""
        if owner == self.owner:
            return True
        if expires is not None and expires >= now:
            self._lapsed.pop(owner, None)
            return True
        seen = self._lapsed.get(owner)
        lapsed_at = expires if expires is not None else 0.0
        if seen is None or seen.expiry != lapsed_at:
            self._lapsed[owner] = _Observed(lapsed_at, now)
            return True
        return now - seen.since < self._lease_seconds

    async def _forget(self, ended: list[str], *, dead: set[str]) -> None:
        """Drop ended entries and their deadlines (and the leases of dead processes): any
        reader may."""
        tokens = sorted(ended)
        await self._counters.update_one(
            _COUNTER,
            {
                "$pull": {"inflight": {"token": {"$in": tokens}}},
                "$unset": {f"deadlines.{token}": "" for token in tokens},
            },
        )
        if dead:
            await self._leases.delete_many({"_id": {"$in": sorted(dead)}})
            for owner in dead:
                self._lapsed.pop(owner, None)
