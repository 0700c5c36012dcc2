"""The one ingest use case every transport calls: GraphQL mutations, the REST shapes,
webhooks and CloudEvents.

A transport only translates its shape into `Submission`s (the body in its family's shape, the
family's parser, where the body sits in the request, its idempotency key) and its answers out
of the result. The steps are here, in this order, for all of them: the receive time, the batch
size, every key and every body checked with every problem reported at once, the caller's team,
room among the events this process is storing (`app.ingest.admission`), each family's links
between events (`Family.link`), then store and publish.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.access.caller import Caller
from app.access.teams import owned, scoped_key
from app.documents.layout import Document
from app.errors import FieldError, FieldPath, InvalidInput, KeyInUse
from app.events import NewEvent, StoredEvent
from app.families import FAMILIES
from app.families.family import Parser
from app.filters import MAX_TEXT
from app.ingest.admission import Admission
from app.intake import IntakeLimits
from app.live.bus import EventBus
from app.named_fields import NAMED_FIELDS, FieldKind
from app.store import EventStore
from app.timestamps import utc_now

__all__ = ["Ingested", "Ingestor", "Parser", "Submission"]


def _same_path(path: FieldPath) -> FieldPath:
    return path


@dataclass(frozen=True)
class Submission:
    """One event as a transport received it.

    `where` is where the body sits in the request and `locate` maps a path in the body to the
    request's own spelling of it (GraphQL's camelCase inputs); `key` is the event's own
    idempotency key (a CloudEvent's `source` and `id`), reported as `key_field` when bad.
    """

    body: Any
    parse: Parser
    where: FieldPath = ()
    locate: Callable[[FieldPath], FieldPath] = _same_path
    key: str | None = None
    key_field: FieldPath = ("idempotencyKey",)


@dataclass(frozen=True)
class Ingested:
    """The stored events in submission order, and for each whether this call stored it."""

    events: list[StoredEvent]
    created: list[bool]


class Ingestor:
    def __init__(
        self,
        store: EventStore,
        bus: EventBus,
        *,
        limits: IntakeLimits,
        max_batch: int,
        admission: Admission,
    ) -> None:
        self._store = store
        self._admission = admission
        self._bus = bus
        self._limits = limits
        self._max_batch = max_batch

    @property
    def limits(self) -> IntakeLimits:
        return self._limits

    async def _linked(self, events: Sequence[NewEvent]) -> list[NewEvent]:
        """`events` with what each family fills in from the events before them."""
        linked = list(events)
        for family in FAMILIES:
            if family.link is not None:
                linked = await family.link(linked, self._lookup)
        return linked

    async def ingest(self, caller: Caller, submission: Submission) -> tuple[StoredEvent, bool]:
        """Store and publish one event; returns it and whether it is new."""
        received_at = utc_now()
        events, (key,) = self._checked(caller, [submission], received_at)
        async with self._admission.room(1):
            (event,) = await self._linked(events)
            appended = await self._store.append(event, received_at=received_at, idempotency_key=key)
        skipped = [] if appended.skipped_seq is None else [appended.skipped_seq]
        await self._announce([appended.document], [appended.created], skipped)
        _refuse_keys_of_other_families([event], [appended.event], [submission.key_field])
        return appended.event, appended.created

    async def ingest_batch(
        self,
        caller: Caller,
        submissions: Sequence[Submission],
        *,
        key: str | None = None,
        key_field: FieldPath = ("idempotencyKey",),
    ) -> Ingested:
        """Store every event or, when any is bad, none (each problem reported by its place).

        With a batch `key`, a key seen before stores nothing and returns the batch stored
        under it. Without one, events that carry their own keys are each stored once: those
        stored before come back as they are, the rest are stored together.
        """
        if len(submissions) > self._max_batch:
            raise InvalidInput(
                [
                    FieldError(
                        (),
                        f"a batch holds at most {self._max_batch} events, got {len(submissions)}",
                    )
                ]
            )
        received_at = utc_now()
        batch_key = _scoped_key(caller, key, key_field)
        events, keys = self._checked(caller, submissions, received_at)
        async with self._admission.room(len(events)):
            events = await self._linked(events)
            if batch_key is None and any(item is not None for item in keys):
                return await self._ingest_each_keyed(events, keys, received_at)
            appended = await self._store.append_many(
                events, received_at=received_at, idempotency_key=batch_key
            )
        created = [appended.created] * len(appended.events)
        await self._announce(appended.documents, created, appended.skipped_seqs)
        if not appended.created:
            _refuse_keys_of_other_families(events, appended.events, [key_field] * len(events))
        return Ingested(appended.events, created)

    async def _lookup(
        self, subject: str, team_id: str | None, types: Sequence[str]
    ) -> StoredEvent | None:
        return await self._store.latest_about(subject, team_id=team_id, types=types)

    async def _ingest_each_keyed(
        self, events: list[NewEvent], keys: list[str | None], received_at: datetime
    ) -> Ingested:
        appended = await self._store.append_each_keyed(events, keys, received_at=received_at)
        await self._announce(appended.documents, appended.created, appended.skipped_seqs)
        return Ingested(appended.events, appended.created)

    def _checked(
        self, caller: Caller, submissions: Sequence[Submission], received_at: datetime
    ) -> tuple[list[NewEvent], list[str | None]]:
        """Every event parsed and owned by the caller, and every key scoped to its team; or
        every problem of all of them at once."""
        events: list[NewEvent] = []
        keys: list[str | None] = []
        failures: list[InvalidInput] = []
        for submission in submissions:
            try:
                event = submission.parse(submission.body, received_at, self._limits)
                _check_named_text(event)
                events.append(event)
            except InvalidInput as invalid:
                failures.append(invalid.under(*submission.where, locate=submission.locate))
            try:
                keys.append(_scoped_key(caller, submission.key, submission.key_field))
            except InvalidInput as invalid:
                failures.append(invalid)
        if failures:
            raise InvalidInput.merge(failures)
        return [owned(caller, event) for event in events], keys

    async def _announce(
        self, documents: list[Document], created: list[bool], skipped: list[int]
    ) -> None:
        """New events go live, as the store holds them; events a retry found stored are
        announced as found (their first announcement may have died with a crash), after the
        numbers it gave up."""
        new = [document for document, made in zip(documents, created, strict=True) if made]
        found = [document for document, made in zip(documents, created, strict=True) if not made]
        if new:
            await self._bus.publish(new)
        if skipped:
            await self._bus.publish_skipped(skipped)
        if found:
            await self._bus.publish_found(found)


def _refuse_keys_of_other_families(
    sent: Sequence[NewEvent], answered: Sequence[StoredEvent], fields: Sequence[FieldPath]
) -> None:
    """A key names one event: one that names a stored event of another family was used for
    something else (a webhook's delivery id, say), and answering with that event would hand a
    client what it never sent. Nothing was stored under it by this call."""
    errors = {
        field: FieldError(
            field,
            f"already names a stored {earlier.source} event ({earlier.id}): a key names one "
            "event; send this one with a key of its own",
        )
        for new, earlier, field in zip(sent, answered, fields, strict=False)
        if earlier.source != new.source
    }
    if errors:
        raise KeyInUse(list(errors.values()))


_NAMED_TEXT = tuple(field for field in NAMED_FIELDS if field.kind is FieldKind.TEXT)


def _check_named_text(event: NewEvent) -> None:
    """Refuses a named field longer than any filter compares with: stored, it could never be
    found by that field. Named as filters name it (`type`, not the tool's own name for it)."""
    errors = [
        FieldError(
            (field.name,),
            f"the named field filters compare holds at most {MAX_TEXT:,} characters, got "
            f"{len(value):,}",
        )
        for field in _NAMED_TEXT
        if isinstance(value := getattr(event, field.attribute), str) and len(value) > MAX_TEXT
    ]
    if errors:
        raise InvalidInput(errors)


def _scoped_key(caller: Caller, key: str | None, field: FieldPath) -> str | None:
    """The key kept per team; a bad key is reported where the request holds it."""
    try:
        return scoped_key(caller, key)
    except InvalidInput as invalid:
        raise InvalidInput([FieldError(field, error.message) for error in invalid.errors]) from None
