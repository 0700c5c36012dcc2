"""The webhooks themselves, one document each in `webhooks`: where to send, what, in which
format, signed with which secrets, how far delivery has come (`position`: the sequence number
of the last event done with, delivered or given up) and which process delivers it now (`lease`).

A lease is held by one process at a time and expires unless renewed: a process that dies, is
killed or loses the database gives its webhooks up by itself, and another takes them on. Every
write of delivery's progress names the holder, so a process that lost its lease can no longer
move a webhook's position.
"""

from __future__ import annotations

import secrets as random_ids
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from app.filters import Condition, EventFilter, Op, all_of
from app.filters.stored import filter_from_stored, stored_filter
from app.outbound.recorder import Recorder
from app.outbound.secrets import new_secret

__all__ = ["ROTATION_OVERLAP", "Webhook", "Webhooks"]

Document = dict[str, Any]
# A rotated-out secret keeps signing beside the new one this long: receivers switch over.
ROTATION_OVERLAP = timedelta(days=1)


@dataclass(frozen=True)
class Webhook:
    id: str
    url: str
    format: str
    team_id: str | None
    description: str | None
    created_at: datetime
    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    position: int
    filter: EventFilter
    version: int
    secrets: tuple[tuple[str, datetime | None], ...]
    lease_owner: str | None = None
    lease_until: datetime | None = None

    @property
    def status(self) -> str:
        if not self.enabled:
            return "DISABLED"
        return "FAILING" if self.failing_since is not None else "ACTIVE"

    @property
    def selection(self) -> EventFilter:
        """What it carries: its filter, within its team's events (all for an admin's)."""
        if self.team_id is None:
            return self.filter
        return all_of([self.filter, Condition("teamId", Op.EQ, self.team_id)])

    def signing_secrets(self, now: datetime) -> list[str]:
        return [secret for secret, until in self.secrets if until is None or until > now]

    @classmethod
    def of(cls, document: Document) -> Webhook:
        return cls(
            id=document["_id"],
            url=document["url"],
            format=document["format"],
            team_id=document.get("teamId"),
            description=document.get("description"),
            created_at=document["createdAt"],
            enabled=document["enabled"],
            disabled_reason=document.get("disabledReason"),
            failing_since=document.get("failingSince"),
            position=document["position"],
            filter=filter_from_stored(document["filter"]),
            version=document["version"],
            secrets=tuple((s["secret"], s.get("until")) for s in document["secrets"]),
            lease_owner=document.get("lease", {}).get("owner"),
            lease_until=document.get("lease", {}).get("until"),
        )


class Webhooks:
    def __init__(self, collection: AsyncCollection[Document], recorder: Recorder) -> None:
        self._collection = collection
        self._recorder = recorder

    async def prepare(self) -> None:
        await self._collection.create_index([("teamId", ASCENDING)], name="team")

    async def create(
        self,
        *,
        url: str,
        format_: str,
        event_filter: EventFilter,
        team_id: str | None,
        description: str | None,
        position: int,
        now: datetime,
    ) -> tuple[Webhook, str]:
        secret = new_secret()
        document: Document = {
            "_id": "wh_" + random_ids.token_hex(12),
            "url": url,
            "format": format_,
            "filter": stored_filter(event_filter),
            "teamId": team_id,
            "description": description,
            "createdAt": now,
            "enabled": True,
            "position": position,
            "version": 1,
            "secrets": [{"secret": secret}],
        }
        await self._collection.insert_one(document)
        return Webhook.of(document), secret

    async def get(self, webhook_id: str) -> Webhook | None:
        found = await self._collection.find_one({"_id": webhook_id})
        return None if found is None else Webhook.of(found)

    async def all(self, team_id: str | None = None, *, every_team: bool = True) -> list[Webhook]:
        query = {} if every_team else {"teamId": team_id}
        return [Webhook.of(d) async for d in self._collection.find(query).sort("createdAt", 1)]

    async def update(self, webhook_id: str, changes: Document) -> Webhook | None:
        """Apply `changes` (stored field names); enabling clears why it was disabled."""
        if "filter" in changes:
            changes = changes | {"filter": stored_filter(changes["filter"])}
        unset: Document = {}
        if changes.get("enabled") is True:
            unset = {"disabledReason": "", "failingSince": ""}
        update: Document = {"$set": changes, "$inc": {"version": 1}}
        if unset:
            update["$unset"] = unset
        found = await self._collection.find_one_and_update(
            {"_id": webhook_id}, update, return_document=ReturnDocument.AFTER
        )
        return None if found is None else Webhook.of(found)

    async def delete(self, webhook_id: str) -> bool:
        return (await self._collection.delete_one({"_id": webhook_id})).deleted_count == 1

    async def rotate(self, webhook_id: str, now: datetime) -> tuple[Webhook, str] | None:
        """A new secret; the ones in use sign beside it for `ROTATION_OVERLAP` more."""
        hook = await self.get(webhook_id)
        if hook is None:
            return None
        secret = new_secret()
        until = now + ROTATION_OVERLAP
        kept = [
            {"secret": old, "until": min(until, expiry) if expiry else until}
            for old, expiry in hook.secrets
            if expiry is None or expiry > now
        ]
        found = await self._collection.find_one_and_update(
            {"_id": webhook_id},
            {"$set": {"secrets": [{"secret": secret}, *kept]}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return None if found is None else (Webhook.of(found), secret)

    # --- Delivery's side: leases and progress, each write naming the lease's holder ---------

    async def claim(self, webhook_id: str, owner: str, now: datetime, seconds: float) -> bool:
        """Take or renew the lease of a webhook; False while another process holds it."""
        taken = await self._collection.update_one(
            {
                "_id": webhook_id,
                "$or": [
                    {"lease.owner": owner},
                    {"lease.until": {"$lt": now}},
                    {"lease": {"$exists": False}},
                ],
            },
            {"$set": {"lease": {"owner": owner, "until": now + timedelta(seconds=seconds)}}},
        )
        return taken.matched_count == 1

    async def release(self, webhook_ids: list[str], owner: str, now: datetime) -> None:
        """Give leases up (on a clean stop), so another process need not wait them out."""
        await self._collection.update_many(
            {"_id": {"$in": webhook_ids}, "lease.owner": owner},
            {"$set": {"lease.until": now}},
        )

    async def advance(self, webhook_id: str, owner: str, seq: int) -> None:
        """Move the position on to `seq`, unless another process holds the lease now."""
        await self._recorder.write(
            self._collection,
            UpdateOne({"_id": webhook_id, "lease.owner": owner}, {"$max": {"position": seq}}),
        )

    async def failing(self, webhook_id: str, owner: str, since: datetime) -> None:
        await self._collection.update_one(
            {"_id": webhook_id, "lease.owner": owner, "failingSince": {"$exists": False}},
            {"$set": {"failingSince": since}},
        )

    async def recovered(self, webhook_id: str, owner: str) -> None:
        await self._collection.update_one(
            {"_id": webhook_id, "lease.owner": owner, "failingSince": {"$exists": True}},
            {"$unset": {"failingSince": ""}},
        )

    async def disable(self, webhook_id: str, owner: str, reason: str) -> None:
        await self._collection.update_one(
            {"_id": webhook_id, "lease.owner": owner},
            {"$set": {"enabled": False, "disabledReason": reason}, "$inc": {"version": 1}},
        )
