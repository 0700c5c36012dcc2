"""The paginated answers of the query roots: `nodes`, `edges`, `pageInfo`, `totalCount`."""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

import strawberry

from app.families import FAMILIES
from app.graphql.types import FAMILY_UNIONS, AnyEvent, event_node
from app.store import EventPage

__all__ = ["ANY_EVENTS", "DEFAULT_LIMIT", "FAMILY_CONNECTIONS", "ConnectionType", "PageInfo"]

# A page's size when `limit` is left out: what a document's bounds count it as.
DEFAULT_LIMIT = 50


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` to read the next page.")


def _strawberry_type(
    name: str, annotations: dict[str, Any], description: str, **members: Any
) -> Any:
    namespace = {"__annotations__": annotations, **members}
    cls = types.new_class(name, (), {}, lambda ns: ns.update(namespace))
    return strawberry.type(cls, description=description)


_PRIVATE_COUNTER: TypeAlias = strawberry.Private[Callable[[], Awaitable[int]]]


async def _total_count(root: strawberry.Parent[Any]) -> int:
    # Counting every match costs a query of its own: only when a client asks for it.
    total: int = await root.count_matches()
    return total


@dataclass(frozen=True)
class ConnectionType:
    """A connection type and its edge type, over one union of event types."""

    connection: Any
    edge: Any

    @classmethod
    def over(cls, name: str, node: Any) -> ConnectionType:
        edge = _strawberry_type(
            f"{name}Edge", {"cursor": str, "node": node}, f"One {name} and its cursor."
        )
        connection = _strawberry_type(
            f"{name}Connection",
            {
                "nodes": types.GenericAlias(list, (node,)),
                "edges": types.GenericAlias(list, (edge,)),
                "page_info": PageInfo,
                "count_matches": _PRIVATE_COUNTER,
            },
            f"A page of {name}s, with the number of all that match.",
            total_count=strawberry.field(
                resolver=_total_count, description="How many events match, on every page."
            ),
        )
        return cls(connection=connection, edge=edge)

    def answer(self, page: EventPage, count_matches: Callable[[], Awaitable[int]]) -> Any:
        nodes = [event_node(item.event, item.cursor) for item in page.events]
        edges = [self.edge(cursor=node.cursor, node=node) for node in nodes]
        return self.connection(
            nodes=nodes,
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                end_cursor=page.events[-1].cursor if page.events else None,
            ),
            count_matches=count_matches,
        )


ANY_EVENTS = ConnectionType.over("Event", AnyEvent)
FAMILY_CONNECTIONS = {
    family.source: ConnectionType.over(family.graphql.union, FAMILY_UNIONS[family.source])
    for family in FAMILIES
}
"""Each family's connection, by its source."""
