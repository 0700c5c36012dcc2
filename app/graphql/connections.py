"""The paginated answers of the query roots: `nodes`, `edges`, `pageInfo`, `totalCount`."""

from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import strawberry

from app.graphql.types import AnyEvent, FlexDeployEvent, LifecycleEvent, event_node
from app.store import EventPage

__all__ = ["ANY_EVENTS", "FLEXDEPLOY_EVENTS", "LIFECYCLE_EVENTS", "ConnectionType", "PageInfo"]


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` to read the next page.")


def _strawberry_type(name: str, annotations: dict[str, Any], description: str) -> Any:
    cls = types.new_class(name, (), {}, lambda ns: ns.update({"__annotations__": annotations}))
    return strawberry.type(cls, description=description)


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
                "total_count": int,
            },
            f"A page of {name}s, with the number of all that match.",
        )
        return cls(connection=connection, edge=edge)

    def answer(self, page: EventPage) -> Any:
        nodes = [event_node(item.event, item.cursor) for item in page.events]
        edges = [self.edge(cursor=node.cursor, node=node) for node in nodes]
        return self.connection(
            nodes=nodes,
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                end_cursor=page.events[-1].cursor if page.events else None,
            ),
            total_count=page.total_count,
        )


ANY_EVENTS = ConnectionType.over("Event", AnyEvent)
LIFECYCLE_EVENTS = ConnectionType.over("LifecycleEvent", LifecycleEvent)
FLEXDEPLOY_EVENTS = ConnectionType.over("FlexDeployEvent", FlexDeployEvent)
