"""The delivery log: one document per webhook and event in `webhook_deliveries`, with every
attempt (time, status code, duration, error), its status (`PENDING` until it succeeded or was
given up, then `SUCCEEDED` or `FAILED`) and when it is tried next.

It is also where a delivery's retries survive a restart: the process that takes a webhook on
continues the schedule of its pending delivery from the attempts made (`tries`). A delivery
sent again by hand (`redeliverWebhookEvent`, `recoverWebhook`) is marked `resend` and starts a
new round of the schedule; those are sent beside the webhook's queue, not in it. Finished
deliveries are kept for `EVENTSTORE_WEBHOOK_LOG_DAYS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from app.outbound.sender import Attempt

__all__ = ["Delivery", "DeliveryLog"]

Document = dict[str, Any]
PENDING, SUCCEEDED, FAILED = "PENDING", "SUCCEEDED", "FAILED"


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    seq: int
    event_id: str
    status: str
    attempts: tuple[Attempt, ...]
    tries: int
    next_attempt_at: datetime | None
    resend: bool

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
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

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

    async def open(self, webhook_id: str, seq: int, event_id: str, now: datetime) -> Delivery:
        """The delivery of this event by this webhook, made `PENDING` if it is new."""
        found = await self._collection.find_one_and_update(
            {"_id": _key(webhook_id, seq)},
            {
                "$setOnInsert": {
                    "webhookId": webhook_id,
                    "seq": seq,
                    "eventId": event_id,
                    "status": PENDING,
                    "createdAt": now,
                    "tries": 0,
                    "nextAttemptAt": now,
                }
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert found is not None  # upserted
        return Delivery.of(found)

    async def attempted(
        self, delivery: Delivery, attempt: Attempt, next_at: datetime | None
    ) -> Delivery:
        """A failed attempt, and when the next one is due (None: none is, for now)."""
        update: Document = {
            "$push": {"attempts": _attempt(attempt)},
            "$inc": {"tries": 1},
        }
        update["$set" if next_at else "$unset"] = {"nextAttemptAt": next_at or ""}
        found = await self._collection.find_one_and_update(
            {"_id": _key(delivery.webhook_id, delivery.seq)},
            update,
            return_document=ReturnDocument.AFTER,
        )
        return delivery if found is None else Delivery.of(found)

    async def finish(self, delivery: Delivery, attempt: Attempt, status: str) -> None:
        await self._collection.update_one(
            {"_id": _key(delivery.webhook_id, delivery.seq)},
            {
                "$push": {"attempts": _attempt(attempt)},
                "$inc": {"tries": 1},
                "$set": {"status": status, "finishedAt": attempt.at, "resend": False},
                "$unset": {"nextAttemptAt": ""},
            },
        )

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
