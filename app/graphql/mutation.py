"""The `Mutation` root: ingesting events, one at a time or in all-or-nothing batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.errors import FieldPath, InvalidInput
from app.events import StoredEvent
from app.graphql.context import Info
from app.graphql.inputs import FlexDeployEventInput, LifecycleEventInput
from app.graphql.types import AnyEvent, event_node
from app.ingest.ingestor import Parser, Submission
from app.intake import cdevent_event, cdevent_key, flexdeploy_event, lifecycle_event

__all__ = ["Mutation"]

IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description="Retry-safe ingest: a key seen before stores nothing and returns the "
        "event stored under it, with `created: false`."
    ),
]
EventInput = LifecycleEventInput | FlexDeployEventInput


@strawberry.type(description="The stored event, and whether this call stored it.")
class IngestResult:
    # The answer's event is built only when the client selects it: most ingest calls ask
    # for `created` or an `id`, and the union member (typed payload, signed cursor) costs
    # more than the rest of the answer. (Every field is a resolver, so that the fields keep
    # their order in the schema.)
    stored: strawberry.Private[StoredEvent]
    cursor_of: strawberry.Private[Callable[[StoredEvent], str]]
    made: strawberry.Private[bool]

    @strawberry.field(graphql_type=AnyEvent)
    def event(self) -> Any:
        return event_node(self.stored, self.cursor_of(self.stored))

    @strawberry.field
    def created(self) -> bool:
        return self.made


@strawberry.type(description="Every event of the batch, stored together, in input order.")
class BatchIngestResult:
    stored: strawberry.Private[list[StoredEvent]]
    cursor_of: strawberry.Private[Callable[[StoredEvent], str]]
    made: strawberry.Private[bool]

    @strawberry.field(graphql_type=list[AnyEvent])
    def events(self) -> list[Any]:
        # Built on demand, as for `IngestResult.event`: a batch asked for its `count` does
        # not build 500 union members.
        return [event_node(event, self.cursor_of(event)) for event in self.stored]

    @strawberry.field
    def count(self) -> int:
        return len(self.stored)

    @strawberry.field(
        description="Whether this call stored the batch (false: its key was seen before)."
    )
    def created(self) -> bool:
        return self.made


def _submission(item: EventInput, where: FieldPath) -> Submission:
    """The input as its tool's own body, for the ingest use case; problems are located in
    the input's GraphQL spelling under `where`."""
    parse: Parser = lifecycle_event if isinstance(item, LifecycleEventInput) else flexdeploy_event
    try:
        body = item.to_body()
    except InvalidInput as invalid:
        raise invalid.under(*where) from None
    return Submission(body, parse, where=where, locate=item.field_path)


async def _ingest_one(info: Info, item: EventInput, key: str | None) -> IngestResult:
    services = info.context.services
    submission = replace(_submission(item, ("input",)), key=key)
    stored, created = await services.ingestor.ingest(info.context.caller, submission)
    return IngestResult(stored=stored, cursor_of=services.store.cursor_of, made=created)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Store one CTO.ai lifecycle event.")
    async def ingest_lifecycle_event(
        self, info: Info, input: LifecycleEventInput, idempotency_key: IdempotencyKey = None
    ) -> IngestResult:
        return await _ingest_one(info, input, idempotency_key)

    @strawberry.mutation(description="Store one FlexDeploy event message.")
    async def ingest_flex_deploy_event(
        self, info: Info, input: FlexDeployEventInput, idempotency_key: IdempotencyKey = None
    ) -> IngestResult:
        return await _ingest_one(info, input, idempotency_key)

    @strawberry.mutation(
        name="ingestCDEvent",
        description="Store one CDEvent (its `context` and `subject`), checked against its type's "
        "CDEvents 0.5.1 schema. Its `context.source` and `context.id` are its idempotency key, "
        "as for the CloudEvent that would carry it: a redelivery stores nothing.",
    )
    async def ingest_cd_event(self, info: Info, event: JSON) -> IngestResult:
        services = info.context.services
        submission = Submission(
            event, cdevent_event, where=("event",), key=cdevent_key(event), key_field=("event",)
        )
        stored, created = await services.ingestor.ingest(info.context.caller, submission)
        return IngestResult(stored=stored, cursor_of=services.store.cursor_of, made=created)

    @strawberry.mutation(
        name="ingestCDEvents",
        description="Store CDEvents all together or, when any is bad, none (each problem named "
        "by its index). Each is kept once by its `context.source` and `context.id`: those "
        "stored before come back with `created: false`.",
    )
    async def ingest_cd_events(self, info: Info, events: list[JSON]) -> list[IngestResult]:
        services = info.context.services
        submissions = [
            Submission(
                event,
                cdevent_event,
                where=("events", index),
                key=cdevent_key(event),
                key_field=("events", index),
            )
            for index, event in enumerate(events)
        ]
        ingested = await services.ingestor.ingest_batch(info.context.caller, submissions)
        return [
            IngestResult(stored=stored, cursor_of=services.store.cursor_of, made=made)
            for stored, made in zip(ingested.events, ingested.created, strict=True)
        ]

    @strawberry.mutation(
        description="Store a batch: all of it or, when any item is bad, none (every bad item "
        "is reported by its index)."
    )
    async def ingest_events(
        self,
        info: Info,
        lifecycle: list[LifecycleEventInput] | None = None,
        flex_deploy: list[FlexDeployEventInput] | None = None,
        idempotency_key: Annotated[
            str | None,
            strawberry.argument(
                description="Retry-safe batches: a key seen before stores nothing and returns "
                "the batch stored under it, with `created: false`."
            ),
        ] = None,
    ) -> BatchIngestResult:
        items: list[tuple[EventInput, FieldPath]] = [
            *((item, ("lifecycle", index)) for index, item in enumerate(lifecycle or [])),
            *((item, ("flexDeploy", index)) for index, item in enumerate(flex_deploy or [])),
        ]
        services = info.context.services
        ingested = await services.ingestor.ingest_batch(
            info.context.caller, _submissions(items), key=idempotency_key
        )
        stored = ingested.events
        return BatchIngestResult(
            stored=stored,
            cursor_of=services.store.cursor_of,
            made=all(ingested.created),
        )


def _submissions(items: Sequence[tuple[EventInput, FieldPath]]) -> list[Submission]:
    """Every item's submission, or every item's problems at once."""
    submissions: list[Submission] = []
    failures: list[InvalidInput] = []
    for item, where in items:
        try:
            submissions.append(_submission(item, where))
        except InvalidInput as invalid:
            failures.append(invalid)
    if failures:
        raise InvalidInput.merge(failures)
    return submissions
