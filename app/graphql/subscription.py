"""The `Subscription` root: events pushed as they are stored, after an optional catch-up."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Annotated, Any

import strawberry

from app.events import EventSource
from app.graphql.context import GraphQLContext, Info
from app.graphql.filters import EventFilter, selection
from app.graphql.types import AnyEvent, FlexDeployEvent, LifecycleEvent, event_node
from app.live.follow import follow

__all__ = ["Subscription"]

Filter = Annotated[
    EventFilter | None,
    strawberry.argument(description="Which events, with the same meaning as in queries."),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Replay the stored events after this cursor first, then continue live."
    ),
]


async def _follow(
    info: Info, source: EventSource | None, event_filter: EventFilter | None, after: str | None
) -> AsyncGenerator[Any, None]:
    services = info.context.services
    # A FORBIDDEN error also closes the socket with 4403, where results are fanned out.
    selected = selection(info.context.caller, event_filter, source)
    events = follow(
        services.store,
        services.dispatcher,
        selected,
        after=after,
        capacity=services.settings.subscriber_buffer,
        unread=_unread_of(info.context),
    )
    async for event in events:
        yield event_node(event, services.store.cursor_of(event))


def _unread_of(context: GraphQLContext) -> Callable[[], int]:
    """What the subscriber's socket has sent and its client not read yet."""
    receipts = context.receipts
    if receipts is None:  # the legacy protocol has no replies to count by; or a shared run
        return lambda: 0
    return lambda: receipts.unread


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every new event that matches.", graphql_type=AnyEvent)
    async def events(
        self, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        async for node in _follow(info, None, filter, after):
            yield node

    @strawberry.subscription(
        description="Every new CTO.ai lifecycle event that matches.", graphql_type=LifecycleEvent
    )
    async def lifecycle_events(
        self, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        async for node in _follow(info, EventSource.LIFECYCLE, filter, after):
            yield node

    @strawberry.subscription(
        description="Every new FlexDeploy event message that matches.",
        graphql_type=FlexDeployEvent,
    )
    async def flex_deploy_events(
        self, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        async for node in _follow(info, EventSource.FLEXDEPLOY, filter, after):
            yield node
