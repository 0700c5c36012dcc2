"""The `Query` root: reading stored events."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from app.errors import FieldError, InvalidInput
from app.events import EventSource
from app.graphql.connections import ANY_EVENTS, FLEXDEPLOY_EVENTS, LIFECYCLE_EVENTS, ConnectionType
from app.graphql.context import Info
from app.graphql.types import AnyEvent, event_node
from app.store import EventQuery

__all__ = ["DEFAULT_LIMIT", "Query"]

DEFAULT_LIMIT = 50

Limit = Annotated[
    int | None, strawberry.argument(description="Page size, at most the configured maximum (1000).")
]
After = Annotated[
    str | None, strawberry.argument(description="A `cursor` or `endCursor` to continue after.")
]


async def _page(
    info: Info,
    connection: ConnectionType,
    source: EventSource | None,
    limit: int | None,
    after: str | None,
) -> Any:
    maximum = info.context.services.settings.max_page_size
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 0 <= limit <= maximum:
        raise InvalidInput(
            [FieldError(("limit",), f"must be between 0 and {maximum}, got {limit}")]
        )
    match = {} if source is None else {"source": source.value}
    page = await info.context.services.store.page(EventQuery(match=match, limit=limit, after=after))
    return connection.answer(page)


@strawberry.type
class Query:
    @strawberry.field(
        description="Stored events of every kind, newest first.",
        graphql_type=ANY_EVENTS.connection,
    )
    async def events(self, info: Info, limit: Limit = DEFAULT_LIMIT, after: After = None) -> Any:
        return await _page(info, ANY_EVENTS, None, limit, after)

    @strawberry.field(
        description="Stored CTO.ai lifecycle events, newest first.",
        graphql_type=LIFECYCLE_EVENTS.connection,
    )
    async def lifecycle_events(
        self, info: Info, limit: Limit = DEFAULT_LIMIT, after: After = None
    ) -> Any:
        return await _page(info, LIFECYCLE_EVENTS, EventSource.LIFECYCLE, limit, after)

    @strawberry.field(
        description="Stored FlexDeploy event messages, newest first.",
        graphql_type=FLEXDEPLOY_EVENTS.connection,
    )
    async def flex_deploy_events(
        self, info: Info, limit: Limit = DEFAULT_LIMIT, after: After = None
    ) -> Any:
        return await _page(info, FLEXDEPLOY_EVENTS, EventSource.FLEXDEPLOY, limit, after)

    @strawberry.field(description="One event by its id, or null.", graphql_type=AnyEvent | None)
    async def event(self, info: Info, id: strawberry.ID) -> Any:
        store = info.context.services.store
        event = await store.get(str(id))
        return None if event is None else event_node(event, store.cursor_of(event))
