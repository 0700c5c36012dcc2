"""The delivery events a read selects, each with the part it plays (`delivery_role`), from
the environments the metrics are asked about."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.families.delivery import delivery_role, stored_types
from app.families.roles import IN_AN_ENVIRONMENT
from app.filters import Condition, EventFilter, Op, all_of
from app.store import EventStore

__all__ = ["DeliveryReads", "Environments", "Row", "during", "playing"]

Row = dict[str, Any]
"""A delivery event as the store's delivery reads give it, with its `role`."""


@dataclass(frozen=True)
class Environments:
    """Which deployments and incidents count, by the environment they name (compared without
    case: `PRODUCTION` is `production`)."""

    names: frozenset[str]
    unnamed: bool
    """Whether those that name none count: production's do, as most teams send none."""

    @classmethod
    def production(cls, names: Collection[str]) -> Environments:
        return cls(frozenset(name.casefold() for name in names), unnamed=True)

    @classmethod
    def only(cls, name: str) -> Environments:
        return cls(frozenset({name.casefold()}), unnamed=False)

    def count(self, row: Row) -> bool:
        environment = row.get("environment")
        if not isinstance(environment, str):
            return self.unnamed
        return environment.casefold() in self.names


@dataclass(frozen=True)
class DeliveryReads:
    store: EventStore
    environments: Environments


async def playing(reads: DeliveryReads, where: EventFilter, names: Collection[str]) -> list[Row]:
    """The delivery events `where` selects that play a role named in `names`, each with its
    role under `role`: events of every family, read by the types that may play those roles;
    deployments and incidents only from the environments asked about."""
    of_types = Condition("type", Op.IN, stored_types(names))
    rows = await reads.store.delivery_events(all_of([where, of_types]))
    for row in rows:
        row["role"] = delivery_role(row)
    return [
        row
        for row in rows
        if row["role"] is not None
        and row["role"][0] in names
        and (row["role"][0] not in IN_AN_ENVIRONMENT or reads.environments.count(row))
    ]


def during(scope: EventFilter, start: datetime, end: datetime) -> EventFilter:
    """The events of `scope` whose time is in [start, end): what every metric of a range reads."""
    return all_of(
        [scope, Condition("timestamp", Op.GTE, start), Condition("timestamp", Op.LT, end)]
    )
