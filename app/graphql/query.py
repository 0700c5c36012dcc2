"""The `Query` root: reading stored events."""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from app.access.teams import visible
from app.errors import FieldError, InvalidInput
from app.families import FAMILIES
from app.families.delivery import DELIVERY_TYPES
from app.graphql.connections import ANY_EVENTS, DEFAULT_LIMIT, FAMILY_CONNECTIONS, ConnectionType
from app.graphql.context import Info
from app.graphql.filters import EventFilter, EventSort, selection, sort_keys
from app.graphql.insights import (
    DeliveryGroupMetrics,
    DeliveryMetrics,
    DeliveryPeriod,
    EventCount,
    delivery_breakdown,
    delivery_events,
    delivery_metrics,
    delivery_trend,
    event_counts,
)
from app.graphql.types import AnyEvent, EventSourceInfo, event_node, event_sources
from app.graphql.webhooks import WebhookQueries
from app.store import EventPage, EventQuery
from app.upstream.strawberry import SelectedField, Selection

__all__ = ["DEFAULT_LIMIT", "PAGE_FIELDS", "Query"]


PAGE_FIELDS = frozenset(
    {"events", *(family.graphql.field for family in FAMILIES), "deliveryEvents"}
)
"""The fields below that page events, each taking a `limit`: a document's bounds count what
they ask for (app/graphql/document_bounds.py). A test keeps this equal to the schema's."""

Filter = Annotated[
    EventFilter | None, strawberry.argument(description="Which events; all of them if left out.")
]
Sort = Annotated[
    list[EventSort] | None,
    strawberry.argument(description="Order, by precedence; newest first if left out."),
]
Limit = Annotated[
    int | None, strawberry.argument(description="Page size, at most the configured maximum (1000).")
]
After = Annotated[
    str | None, strawberry.argument(description="A `cursor` or `endCursor` to continue after.")
]


async def _page(
    info: Info,
    connection: ConnectionType,
    source: str | None,
    arguments: tuple[EventFilter | None, list[EventSort] | None, int | None, str | None],
) -> Any:
    event_filter, sort, limit, after = arguments
    maximum = info.context.services.settings.max_page_size
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 0 <= limit <= maximum:
        raise InvalidInput(
            [FieldError(("limit",), f"must be between 0 and {maximum}, got {limit}")]
        )
    selected = selection(info.context.caller, event_filter, source)
    query = EventQuery(filter=selected, sort=sort_keys(sort), limit=limit, after=after)
    store = info.context.services.store
    # A dashboard asking only `totalCount` must not pay for a page it does not read (a
    # cursor is still read, so a bad one is still refused).
    wanted = after is not None or _asks_for_events(info.selected_fields[0].selections)
    page = await store.page(query) if wanted else EventPage(events=[], has_next_page=False)
    return connection.answer(page, lambda: store.count(selected))


def _asks_for_events(selections: list[Selection]) -> bool:
    """Whether a selection on a connection reads more than its `totalCount`."""
    for item in selections:
        if isinstance(item, SelectedField):
            if item.name not in ("totalCount", "__typename"):
                return True
        elif _asks_for_events(item.selections):
            return True
    return False


def _pages(connection: ConnectionType, source: str | None) -> Callable[..., Awaitable[Any]]:
    async def resolve(
        self: Any,
        info: Info,
        filter: Filter = None,
        sort: Sort = None,
        limit: Limit = DEFAULT_LIMIT,
        after: After = None,
    ) -> Any:
        return await _page(info, connection, source, (filter, sort, limit, after))

    return resolve


def _event_pages() -> type:
    """The fields that page stored events: all of them, then each family's."""
    fields = {
        "events": strawberry.field(
            resolver=_pages(ANY_EVENTS, None),
            description="Stored events of every kind.",
            graphql_type=ANY_EVENTS.connection,
        )
    }
    for family in FAMILIES:
        connection = FAMILY_CONNECTIONS[family.source]
        fields[family.graphql.field] = strawberry.field(
            name=family.graphql.field,
            resolver=_pages(connection, family.source),
            description=family.graphql.query_description,
            graphql_type=connection.connection,
        )
    cls = types.new_class("EventPages", (), {}, lambda namespace: namespace.update(fields))
    return strawberry.type(cls)


@strawberry.type
class Query(_event_pages(), WebhookQueries):  # type: ignore[misc]
    event_sources: list[EventSourceInfo] = strawberry.field(
        resolver=event_sources,
        description="The families of events this service stores, each `source` a filter can "
        "name: what a page offers to choose from.",
    )

    event_counts: list[EventCount] = strawberry.field(
        resolver=event_counts,
        description="Counts of matching events per group and, with `bucket`, per period; "
        "computed by the database.",
    )

    delivery_metrics: DeliveryMetrics = strawberry.field(
        resolver=delivery_metrics,
        graphql_type=DeliveryMetrics,
        description="DORA's five metrics over [from, to), for a team and repo if given, "
        "from the delivery events of every family.",
    )

    delivery_trend: list[DeliveryPeriod] = strawberry.field(
        resolver=delivery_trend,
        description="`deliveryMetrics` for each period of [from, to) (at most 60 of them), "
        "the first and the last cut to the range: the same figures, period by period.",
    )

    delivery_breakdown: list[DeliveryGroupMetrics] = strawberry.field(
        resolver=delivery_breakdown,
        description="`deliveryMetrics` for each team (or repository) with deployments or "
        "incidents in [from, to), the busiest first.",
    )

    delivery_events: list[Any] = strawberry.field(
        resolver=delivery_events,
        graphql_type=list[AnyEvent],
        description="The deployments (succeeded and failed) and incidents opened that "
        "`deliveryMetrics` counts over [from, to) with the same arguments, of every family: "
        "newest first.",
    )

    @strawberry.field(
        description="The `type`s of the events the delivery metrics read, of every family "
        "(deployments, incidents, their resolutions, commits and changes): what a live view of "
        "the metrics subscribes to, to know when they change."
    )
    def delivery_types(self) -> list[str]:
        return sorted(DELIVERY_TYPES)

    @strawberry.field(
        description="A cursor at the newest arrival: a subscription `after:` it receives what "
        "arrives from now on, in arrival order, whatever its time (a backfill's old events "
        "too). What a live view starts its tail from; the newest event by time is not the "
        "newest to arrive."
    )
    async def arrivals_cursor(self, info: Info) -> str:
        return await info.context.services.store.arrivals_cursor()

    @strawberry.field(description="One event by its id, or null.", graphql_type=AnyEvent | None)
    async def event(self, info: Info, id: strawberry.ID) -> Any:
        store = info.context.services.store
        event = await store.get(str(id))
        # Another team's event reads as unknown: its existence is not the caller's business.
        if event is None or not visible(info.context.caller, event):
            return None
        return event_node(event, store.cursor_of(event))
