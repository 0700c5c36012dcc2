"""The one ingest pipeline every edge uses: validated event → store → bus."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.bus import EventBus
from app.events import NewEvent, StoredEvent
from app.store import EventStore

__all__ = ["Ingestor"]


class Ingestor:
    def __init__(self, store: EventStore, bus: EventBus) -> None:
        self._store = store
        self._bus = bus

    async def ingest(
        self, event: NewEvent, *, received_at: datetime, idempotency_key: str | None = None
    ) -> tuple[StoredEvent, bool]:
        """Store and publish one event; returns it and whether it is new."""
        appended = await self._store.append(
            event, received_at=received_at, idempotency_key=idempotency_key
        )
        skipped = [] if appended.skipped_seq is None else [appended.skipped_seq]
        await self._announce([appended.event], created=appended.created, skipped=skipped)
        return appended.event, appended.created

    async def ingest_many(
        self,
        events: Sequence[NewEvent],
        *,
        received_at: datetime,
        idempotency_key: str | None = None,
    ) -> tuple[list[StoredEvent], bool]:
        """Store all of `events` or none, then publish them in order; returns them and
        whether they are new (a key seen before returns the batch stored under it)."""
        appended = await self._store.append_many(
            events, received_at=received_at, idempotency_key=idempotency_key
        )
        await self._announce(
            appended.events, created=appended.created, skipped=appended.skipped_seqs
        )
        return appended.events, appended.created

    async def _announce(
        self, events: list[StoredEvent], *, created: bool, skipped: list[int]
    ) -> None:
        """New events go live; events a retry found stored are announced as found (their
        first announcement may have died with a crash), after the numbers it gave up."""
        if created:
            await self._bus.publish(events)
            return
        if skipped:
            await self._bus.publish_skipped(skipped)
        await self._bus.publish_found(events)
