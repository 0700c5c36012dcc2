"""The delivery log: one document per webhook and event in `webhook_deliveries`, with every
attempt (time, status code, duration, error), its status (`PENDING` until it succeeded or was
given up, then `SUCCEEDED` or `FAILED`) and when it is tried next.

It is also where a delivery's retries survive a restart: the process that takes a webhook on
continues the schedule of its pending delivery from the attempts made (`tries`). A delivery is
stored at its first attempt's outcome, not before (one write, group-committed with the
others: `Recorder`). A delivery
sent again by hand (`redeliverWebhookEvent`, `recoverWebhook`) is marked `resend` and starts a
new round of the schedule; those are sent beside the webhook's queue, not in it. Finished
deliveries are kept for `EVENTSTORE_WEBHOOK_LOG_DAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from app.outbound.recorder import Recorder
from app.outbound.sender import Attempt

__all__ = ["Delivery", "DeliveryLog"]

Document = dict[str, Any]
PENDING, SUCCEEDED, FAILED = "PENDING", "SUCCEEDED", "FAILED"


@dataclass(frozen=True)
class Delivery:
    """One event's delivery by one webhook; `new` for one not tried yet (nothing stored)."""

    webhook_id: str
    seq: int
    event_id: str
    status: str
    attempts: tuple[Attempt, ...]
    tries: int
    next_attempt_at: datetime | None
    resend: bool

    @classmethod
    def new(cls, webhook_id: str, seq: int, event_id: str) -> Delivery:
        return cls(webhook_id, seq, event_id, PENDING, (), 0, None, False)

    @classmethod
    def of(cls, document: Document) -> Delivery:
        return cls(
            webhook_id=document["webhookId"],
            seq=document["seq"],
            event_id=document["eventId"],
            status=document["status"],
            attempts=tuple(
                Attempt(a["at"], a.get("statusCode"), a["durationMs"], a.get("error"))
                for a in document.get("attempts", [])
            ),
            tries=document.get("tries", 0),
            next_attempt_at=document.get("nextAttemptAt"),
            resend=document.get("resend", False),
        )


def _key(webhook_id: str, seq: int) -> str:
    return f"{webhook_id}:{seq:020d}"


def _attempt(attempt: Attempt) -> Document:
    kept: Document = {"at": attempt.at, "durationMs": attempt.duration_ms}
    if attempt.status_code is not None:
        kept["statusCode"] = attempt.status_code
    if attempt.error is not None:
        kept["error"] = attempt.error
    return kept


class DeliveryLog:
    def __init__(self, collection: AsyncCollection[Document], recorder: Recorder) -> None:
        self._collection = collection
        self._recorder = recorder

    async def prepare(self) -> None:
        await self._collection.create_indexes(
            [
                # A webhook's deliveries newest first, of one status or all.
                _index(("webhookId", ASCENDING), ("seq", DESCENDING)),
                _index(("webhookId", ASCENDING), ("status", ASCENDING), ("seq", DESCENDING)),
                # Failed since a time (recovery); finished before a time (retention).
                _index(("webhookId", ASCENDING), ("status", ASCENDING), ("finishedAt", ASCENDING)),
                _index(("finishedAt", ASCENDING)),
                # What is due to be sent again, across the webhooks a process holds.
                _index(("resend", ASCENDING), ("nextAttemptAt", ASCENDING)),
            ]
        )

    async def beyond(self, webhook_id: str, position: int) -> dict[int, Delivery]:
        """The webhook's queue deliveries past its position: the one a stopped process was
        trying (its attempts so far, so the schedule goes on), or done but not yet passed."""
        found = self._collection.find(
            {"webhookId": webhook_id, "seq": {"$gt": position}, "resend": {"$ne": True}}
        )
        return {d["seq"]: Delivery.of(d) async for d in found}

    async def attempted(self, delivery: Delivery, attempt: Attempt, next_at: datetime) -> Delivery:
        """A failed attempt, and when the next one is due."""
        await self._record(delivery, attempt, {"status": PENDING, "nextAttemptAt": next_at})
        return replace(
            delivery,
            attempts=(*delivery.attempts, attempt),
            tries=delivery.tries + 1,
            next_attempt_at=next_at,
        )

    async def stopped(self, delivery: Delivery, attempt: Attempt) -> None:
        """A failed attempt after which nothing is due: its webhook was disabled."""
        await self._record(delivery, attempt, {"status": PENDING}, unset=("nextAttemptAt",))

    async def finish(self, delivery: Delivery, attempt: Attempt, status: str) -> None:
        await self._record(
            delivery,
            attempt,
            {"status": status, "finishedAt": attempt.at, "resend": False},
            unset=("nextAttemptAt",),
        )

    async def _record(
        self, delivery: Delivery, attempt: Attempt, fields: Document, unset: tuple[str, ...] = ()
    ) -> None:
        update: Document = {
            "$setOnInsert": {
                "webhookId": delivery.webhook_id,
                "seq": delivery.seq,
                "eventId": delivery.event_id,
                "createdAt": attempt.at,
            },
            "$push": {"attempts": _attempt(attempt)},
            "$inc": {"tries": 1},
            "$set": fields,
        }
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        key = {"_id": _key(delivery.webhook_id, delivery.seq)}
        await self._recorder.write(self._collection, UpdateOne(key, update, upsert=True))

    async def resend(self, webhook_id: str, seq: int, event_id: str, now: datetime) -> Delivery:
        """Send this event again, outside the webhook's queue, with a new round of retries."""
        found = await self._collection.find_one_and_update(
            {"_id": _key(webhook_id, seq)},
            {
                "$set": {"status": PENDING, "resend": True, "tries": 0, "nextAttemptAt": now},
                "$unset": {"finishedAt": ""},
                "$setOnInsert": {
                    "webhookId": webhook_id,
                    "seq": seq,
                    "eventId": event_id,
                    "createdAt": now,
                },
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert found is not None  # upserted
        return Delivery.of(found)

    async def recover(self, webhook_id: str, since: datetime, now: datetime) -> int:
        """Every delivery that failed since `since`, sent again."""
        sent = await self._collection.update_many(
            {"webhookId": webhook_id, "status": FAILED, "finishedAt": {"$gte": since}},
            {
                "$set": {"status": PENDING, "resend": True, "tries": 0, "nextAttemptAt": now},
                "$unset": {"finishedAt": ""},
            },
        )
        return sent.modified_count

    async def due(self, webhook_ids: list[str], now: datetime, limit: int) -> list[Delivery]:
        """Resends due now among these webhooks', oldest event first."""
        if not webhook_ids:
            return []
        found = self._collection.find(
            {"resend": True, "nextAttemptAt": {"$lte": now}, "webhookId": {"$in": webhook_ids}}
        ).limit(limit)
        due = [Delivery.of(document) async for document in found]
        return sorted(due, key=lambda delivery: delivery.seq)

    async def retry_now(self, webhook_id: str, now: datetime) -> None:
        """A webhook enabled again: its pending deliveries are due at once."""
        await self._collection.update_many(
            {"webhookId": webhook_id, "status": PENDING}, {"$set": {"nextAttemptAt": now}}
        )

    async def page(
        self, webhook_id: str, status: str | None, limit: int, before_seq: int | None
    ) -> list[Delivery]:
        """Newest first: at most `limit`, older than `before_seq` when given."""
        query: Document = {"webhookId": webhook_id}
        if status is not None:
            query["status"] = status
        if before_seq is not None:
            query["seq"] = {"$lt": before_seq}
        found = self._collection.find(query).sort("seq", DESCENDING).limit(limit)
        return [Delivery.of(d) async for d in found]

    async def get(self, webhook_id: str, seq: int) -> Delivery | None:
        found = await self._collection.find_one({"_id": _key(webhook_id, seq)})
        return None if found is None else Delivery.of(found)

    async def forget(self, webhook_id: str) -> None:
        await self._collection.delete_many({"webhookId": webhook_id})

    async def purge(self, finished_before: datetime) -> int:
        gone = await self._collection.delete_many({"finishedAt": {"$lt": finished_before}})
        return gone.deleted_count


def _index(*keys: tuple[str, int]) -> IndexModel:
    return IndexModel(list(keys), name="_".join(name for name, _ in keys))
