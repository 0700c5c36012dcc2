"""The `Mutation` root: ingesting events, one at a time or in all-or-nothing batches, each
family as it declares (`Family.graphql_ingest`)."""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from app.errors import FieldPath, InvalidInput
from app.events import StoredEvent
from app.families import FAMILIES, Family
from app.families.family import BodyInput, InputIngest, JsonIngest
from app.graphql.context import Info
from app.graphql.types import AnyEvent, event_node
from app.graphql.webhooks import WebhookMutations
from app.ingest.ingestor import Parser, Submission

__all__ = ["Mutation"]

IdempotencyKey = Annotated[
    str | None,
    strawberry.argument(
        description="Retry-safe ingest: a key seen before stores nothing and returns the "
        "event stored under it, with `created: false`."
    ),
]
BatchKey = Annotated[
    str | None,
    strawberry.argument(
        description="Retry-safe batches: a key seen before stores nothing and returns the "
        "batch stored under it, with `created: false`."
    ),
]


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


def _submission(item: BodyInput, parse: Parser, where: FieldPath) -> Submission:
    """The input as its tool's own body, for the ingest use case; problems are located in
    the input's GraphQL spelling under `where`."""
    try:
        body = item.to_body()
    except InvalidInput as invalid:
        raise invalid.under(*where) from None
    return Submission(body, parse, where=where, locate=item.field_path)


def _ingest_input(family: Family, ingest: InputIngest) -> Any:
    async def resolve(
        self: Any, info: Info, input: Any, idempotency_key: IdempotencyKey = None
    ) -> IngestResult:
        services = info.context.services
        submission = replace(_submission(input, family.parse, ("input",)), key=idempotency_key)
        stored, created = await services.ingestor.ingest(info.context.caller, submission)
        return IngestResult(stored=stored, cursor_of=services.store.cursor_of, made=created)

    # The input's type is the family's: given here, where the resolver is made for it.
    resolve.__annotations__["input"] = ingest.input
    return strawberry.mutation(
        name=ingest.mutation, description=ingest.description, resolver=resolve
    )


def _ingest_json(family: Family, ingest: JsonIngest) -> tuple[Any, Any]:
    async def one(self: Any, info: Info, event: JSON) -> IngestResult:
        services = info.context.services
        submission = Submission(
            event, family.parse, where=("event",), key=ingest.key(event), key_field=("event",)
        )
        stored, created = await services.ingestor.ingest(info.context.caller, submission)
        return IngestResult(stored=stored, cursor_of=services.store.cursor_of, made=created)

    async def many(self: Any, info: Info, events: list[JSON]) -> list[IngestResult]:
        services = info.context.services
        submissions = [
            Submission(
                event,
                family.parse,
                where=("events", index),
                key=ingest.key(event),
                key_field=("events", index),
            )
            for index, event in enumerate(events)
        ]
        ingested = await services.ingestor.ingest_batch(info.context.caller, submissions)
        return [
            IngestResult(stored=stored, cursor_of=services.store.cursor_of, made=made)
            for stored, made in zip(ingested.events, ingested.created, strict=True)
        ]

    return (
        strawberry.mutation(name=ingest.one, description=ingest.one_description, resolver=one),
        strawberry.mutation(name=ingest.many, description=ingest.many_description, resolver=many),
    )


# The families `ingestEvents` takes a list of, each under its own argument.
_BATCHED = tuple(
    (family, family.graphql_ingest)
    for family in FAMILIES
    if isinstance(family.graphql_ingest, InputIngest)
)


async def _ingest_events(
    self: Any, info: Info, idempotency_key: BatchKey = None, **batches: Any
) -> BatchIngestResult:
    items = [
        (item, family.parse, (ingest.batch_argument, index))
        for family, ingest in _BATCHED
        for index, item in enumerate(batches.get(ingest.batch_argument) or [])
    ]
    services = info.context.services
    ingested = await services.ingestor.ingest_batch(
        info.context.caller, _submissions(items), key=idempotency_key
    )
    return BatchIngestResult(
        stored=ingested.events, cursor_of=services.store.cursor_of, made=all(ingested.created)
    )


def _batch_signature() -> inspect.Signature:
    """`_ingest_events`'s, with one list argument per family that ingests through inputs."""
    plain = inspect.signature(_ingest_events).parameters
    lists = [
        inspect.Parameter(
            ingest.batch_argument,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=list[ingest.input] | None,  # type: ignore[name-defined]
        )
        for _, ingest in _BATCHED
    ]
    return inspect.Signature(
        [
            plain["self"],
            plain["info"],
            *lists,
            plain["idempotency_key"].replace(kind=inspect.Parameter.KEYWORD_ONLY),
        ],
        return_annotation=BatchIngestResult,
    )


def _submissions(items: Sequence[tuple[BodyInput, Parser, FieldPath]]) -> list[Submission]:
    """Every item's submission, or every item's problems at once."""
    submissions: list[Submission] = []
    failures: list[InvalidInput] = []
    for item, parse, where in items:
        try:
            submissions.append(_submission(item, parse, where))
        except InvalidInput as invalid:
            failures.append(invalid)
    if failures:
        raise InvalidInput.merge(failures)
    return submissions


def _mutation() -> Any:
    fields: dict[str, Any] = {}
    for family in FAMILIES:
        ingest = family.graphql_ingest
        if isinstance(ingest, InputIngest):
            fields[ingest.mutation] = _ingest_input(family, ingest)
        elif isinstance(ingest, JsonIngest):
            fields[ingest.one], fields[ingest.many] = _ingest_json(family, ingest)
    _ingest_events.__signature__ = _batch_signature()  # type: ignore[attr-defined]
    fields["ingest_events"] = strawberry.mutation(
        description="Store a batch: all of it or, when any item is bad, none (every bad item "
        "is reported by its index).",
        resolver=_ingest_events,
    )
    cls = types.new_class(
        "Mutation", (WebhookMutations,), {}, lambda namespace: namespace.update(fields)
    )
    return strawberry.type(cls)


Mutation = _mutation()
