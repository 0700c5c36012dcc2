"""The `Subscription` root: events pushed as they are stored, after an optional catch-up."""

from __future__ import annotations

import types
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

import strawberry

from app.events import StoredEvent
from app.families import FAMILIES
from app.graphql.context import Info
from app.graphql.filters import EventFilter, selection
from app.graphql.types import FAMILY_UNIONS, AnyEvent, event_node
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
    info: Info, source: str | None, event_filter: EventFilter | None, after: str | None
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


def _follower(source: str | None) -> Callable[..., Awaitable[AsyncGenerator[Any, None]]]:
    async def resolve(
        self: Any, info: Info, filter: Filter = None, after: After = None
    ) -> AsyncGenerator[Any, None]:
        return await _follow(info, source, filter, after)

    return resolve


def _subscription() -> Any:
    """Every new event, then each family's."""
    fields = {
        "events": strawberry.subscription(
            resolver=_follower(None),
            description="Every new event that matches.",
            graphql_type=AnyEvent,
        )
    }
    for family in FAMILIES:
        fields[family.graphql.field] = strawberry.subscription(
            name=family.graphql.field,
            resolver=_follower(family.source),
            description=family.graphql.subscription_description,
            graphql_type=FAMILY_UNIONS[family.source],
        )
    cls = types.new_class("Subscription", (), {}, lambda namespace: namespace.update(fields))
    return strawberry.type(cls)


Subscription = _subscription()
