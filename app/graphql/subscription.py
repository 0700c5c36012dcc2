"""The `Subscription` root: events pushed as they are stored, after an optional catch-up."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Annotated, Any

import strawberry

from app.events import EventSource, StoredEvent
from app.graphql.context import Info
from app.graphql.filters import EventFilter, selection
from app.graphql.types import AnyEvent, CDEvent, FlexDeployEvent, LifecycleEvent, event_node
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
    """The subscription's stream, once its arguments are checked.

    Checked before streaming (a coroutine returning the stream), a forbidden team or a bad
    cursor fails that one operation with an `error` message; the socket and its other
    subscriptions go on.
    """
    services = info.context.services
    selected = selection(info.context.caller, event_filter, source)
    events = await follow(
        services.store,
        services.dispatcher,
        selected,
        after=after,
        capacity=services.settings.subscriber_buffer,
        unread=info.context.unread,
    )
    return _nodes(events, services.store.cursor_of)


async def _nodes(
    events: AsyncIterator[StoredEvent], cursor_of: Callable[[StoredEvent], str]
) -> AsyncGenerator[Any, None]:
    async for event in events:
        yield event_node(event, cursor_of(event))


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Every new event that matches.", graphql_type=AnyEvent)
    async def events(
        self, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        return await _follow(info, None, filter, after)

    @strawberry.subscription(
        description="Every new CTO.ai lifecycle event that matches.", graphql_type=LifecycleEvent
    )
    async def lifecycle_events(
        self, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        return await _follow(info, EventSource.LIFECYCLE, filter, after)

    @strawberry.subscription(
        description="Every new FlexDeploy event message that matches.",
        graphql_type=FlexDeployEvent,
    )
    async def flex_deploy_events(
        self, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        return await _follow(info, EventSource.FLEXDEPLOY, filter, after)

    @strawberry.subscription(
        name="cdEvents", description="Every new CDEvent that matches.", graphql_type=CDEvent
    )
    async def cd_events(
        self, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        return await _follow(info, EventSource.CDEVENTS, filter, after)
