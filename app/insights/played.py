"""The delivery events a read selects, each with the part it plays (`delivery_role`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from app.filters import Condition, EventFilter, Op, all_of
from app.insights.delivery_kinds import delivery_role, stored_types
from app.store import EventStore

__all__ = ["Row", "playing"]

Row = dict[str, Any]
"""A delivery event as the store's delivery reads give it, with its `role`."""


async def playing(store: EventStore, where: EventFilter, names: Collection[str]) -> list[Row]:
    """The delivery events `where` selects that play a role named in `names`, each with its
    role under `role`: events of every family, read by the types that may play those roles."""
    of_types = Condition("type", Op.IN, stored_types(names))
    rows = await store.delivery_events(all_of([where, of_types]))
    for row in rows:
        row["role"] = delivery_role(row)
    return [row for row in rows if row["role"] is not None and row["role"][0] in names]
