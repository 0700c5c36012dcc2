"""The `Mutation` root: ingesting events, one at a time or in all-or-nothing batches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import strawberry

from app.access import owned, scoped_key
from app.errors import FieldError, FieldPath, InvalidInput
from app.events import NewEvent
from app.graphql.context import Info
from app.graphql.inputs import FlexDeployEventInput, LifecycleEventInput
from app.graphql.types import AnyEvent, event_node
from app.intake import IntakeLimits, flexdeploy_event, lifecycle_event
from app.timestamps import utc_now

__all__ = ["Mutation"]

IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description="Retry-safe ingest: a key seen before stores nothing and returns the "
        "event stored under it, with `created: false`."
    ),
]
EventInput = LifecycleEventInput | FlexDeployEventInput
Parser = Callable[[Any, Any, IntakeLimits], NewEvent]


@strawberry.type(description="The stored event, and whether this call stored it.")
class IngestResult:
    event: AnyEvent = strawberry.field(graphql_type=AnyEvent)
    created: bool


@strawberry.type(description="Every event of the batch, stored together, in input order.")
class BatchIngestResult:
    events: list[Any] = strawberry.field(graphql_type=list[AnyEvent])
    count: int
    created: bool = strawberry.field(
        description="Whether this call stored the batch (false: its key was seen before)."
    )


def _parse(item: EventInput, prefix: FieldPath, info: Info, received_at: Any) -> NewEvent:
    parse: Parser = lifecycle_event if isinstance(item, LifecycleEventInput) else flexdeploy_event
    try:
        body = item.to_body()
    except InvalidInput as invalid:
        raise invalid.under(*prefix) from None
    try:
        return parse(body, received_at, info.context.services.intake_limits)
    except InvalidInput as invalid:
        raise invalid.under(*prefix, locate=item.field_path) from None


async def _ingest_one(info: Info, item: EventInput, key: str | None) -> IngestResult:
    received_at = utc_now()
    caller = info.context.caller
    event = owned(caller, _parse(item, ("input",), info, received_at))
    services = info.context.services
    stored, created = await services.ingestor.ingest(
        event, received_at=received_at, idempotency_key=scoped_key(caller, key)
    )
    return IngestResult(event=event_node(stored, services.store.cursor_of(stored)), created=created)


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
        maximum = services.settings.max_batch_size
        if len(items) > maximum:
            raise InvalidInput(
                [FieldError((), f"a batch holds at most {maximum} events, got {len(items)}")]
            )
        received_at = utc_now()
        events, failures = _parse_all(items, info, received_at)
        if failures:
            raise InvalidInput.merge(failures)
        caller = info.context.caller
        events = [owned(caller, event) for event in events]
        stored, created = await services.ingestor.ingest_many(
            events, received_at=received_at, idempotency_key=scoped_key(caller, idempotency_key)
        )
        return BatchIngestResult(
            events=[event_node(event, services.store.cursor_of(event)) for event in stored],
            count=len(stored),
            created=created,
        )


def _parse_all(
    items: Sequence[tuple[EventInput, FieldPath]], info: Info, received_at: Any
) -> tuple[list[NewEvent], list[InvalidInput]]:
    events: list[NewEvent] = []
    failures: list[InvalidInput] = []
    for item, prefix in items:
        try:
            events.append(_parse(item, prefix, info, received_at))
        except InvalidInput as invalid:
            failures.append(invalid)
    return events, failures
