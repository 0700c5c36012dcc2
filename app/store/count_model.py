"""Read model of event counts: per period, team, family, type and action.

One document per (unit, period) for all teams together, holding a count per (source, type,
action) seen in it, in hours, days, weeks, months and years; and one per (unit, period, team)
in days and months (`UNITS_PER_TEAM`). Any range is answered from a few dozen documents
(`app.periods.cover`); a team's year from 12 months, its week from 7 days.

Absorbing is idempotent: a document remembers the last batch of the event log it took in
(`upto`, a sequence number), and a batch is added only to documents below it. A batch redone
after a crash therefore counts once, however far the first attempt got.
"""

from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from app.documents.keys import escape_key, unescape_key
from app.periods import Run, Unit, truncate
from app.store.repeated_writes import done_already_is_fine

__all__ = [
    "COUNTED_FIELDS",
    "UNITS_ALL_TEAMS",
    "UNITS_PER_TEAM",
    "CountDocument",
    "CountModel",
    "Kind",
    "TeamScope",
]

Document = dict[str, Any]

# The named fields the model counts by; a filter on anything else is answered from events.
COUNTED_FIELDS = frozenset({"teamId", "source", "type", "action"})
_KIND_FIELDS = ("source", "type", "action")
_ALL, _TEAM = "all", "team"
UNITS_ALL_TEAMS = tuple(Unit)
# A batch writes each of its teams' documents, and with many quiet teams that is every event's
# own: two units per team rather than four halve those writes (the database's largest cost at
# 2,000 teams). Hours per team would be nearly one document per event; a team's pieces
# shorter than a day are read from its events.
UNITS_PER_TEAM = (Unit.MONTH, Unit.DAY)


@dataclass(frozen=True)
class TeamScope:
    """Which documents a read needs: all teams together, or per team (some or every team)."""

    per_team: bool
    teams: tuple[str | None, ...] | None = None  # None: every team


# The named fields of a counted kind as (field, value) pairs, absent fields left out; a tuple so
# a reader can remember what it decided about a kind it meets again in the next period.
Kind = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class CountDocument:
    start: datetime
    upto: int
    counts: list[tuple[Kind, int]]


class CountModel:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def prepare(self) -> None:
        await self._collection.create_indexes(
            [
                IndexModel(
                    [(field, ASCENDING) for field in ("level", "scope", "team", "start")],
                    name="level_scope_team_start",
                ),
                IndexModel(
                    [(field, ASCENDING) for field in ("level", "scope", "start")],
                    name="level_scope_start",
                ),
            ]
        )

    async def absorb(self, events: Sequence[Mapping[str, Any]], upto: int) -> None:
        """Add `events` (a batch of the log ending at sequence number `upto`)."""
        increments: dict[tuple[Unit, datetime, str, str | None], Counter[str]] = defaultdict(
            Counter
        )
        for event in events:
            key = _kind_key(event)
            team = event.get("teamId")
            for unit in UNITS_ALL_TEAMS:
                start = truncate(unit, event["timestamp"])
                increments[(unit, start, _ALL, None)][key] += 1
                if unit in UNITS_PER_TEAM:
                    increments[(unit, start, _TEAM, team)][key] += 1
        updates = [
            UpdateOne(
                {"_id": _document_id(unit, start, scope, team), "upto": {"$lt": upto}},
                {
                    "$inc": {f"counts.{key}": count for key, count in counts.items()},
                    "$set": {"upto": upto},
                    "$setOnInsert": {"level": unit.value, "scope": scope, "team": team}
                    | {"start": start},
                },
                upsert=True,
            )
            for (unit, start, scope, team), counts in increments.items()
        ]
        await _apply(self._collection, updates)

    async def read(self, run: Run, scope: TeamScope) -> list[tuple[str | None, CountDocument]]:
        """The documents of `run`'s periods, each with its team (None for all teams)."""
        query: Document = {
            "level": run.unit.value,
            "scope": _TEAM if scope.per_team else _ALL,
            "start": {"$gte": run.first, "$lt": run.last},
        }
        if scope.per_team and scope.teams is not None:
            query["team"] = scope.teams[0] if len(scope.teams) == 1 else {"$in": list(scope.teams)}
        found = await self._collection.find(query).to_list()
        return [
            (
                document.get("team") if scope.per_team else None,
                CountDocument(
                    start=document["start"],
                    upto=int(document["upto"]),
                    counts=[
                        (_kind_fields(key), int(count))
                        for key, count in document.get("counts", {}).items()
                    ],
                ),
            )
            for document in found
        ]


async def _apply(collection: AsyncCollection[Document], updates: list[UpdateOne]) -> None:
    """Run the upserts; a document already past this batch refuses it, which is no error."""
    for start in range(0, len(updates), 1000):
        with done_already_is_fine():
            await collection.bulk_write(updates[start : start + 1000], ordered=False)


def _document_id(unit: Unit, start: datetime, scope: str, team: str | None) -> str:
    return f"{unit.value}|{start.isoformat()}|{scope}|{json.dumps(team)}"


def _kind_key(event: Mapping[str, Any]) -> str:
    """The field name of an event's kind inside `counts` (escaped: it is client text)."""
    return escape_key(json.dumps([event.get(field) for field in _KIND_FIELDS]))


@functools.lru_cache(maxsize=4096)
def _kind_fields(key: str) -> Kind:
    values: Iterable[Any] = json.loads(unescape_key(key))
    pairs = zip(_KIND_FIELDS, values, strict=True)
    return tuple((field, value) for field, value in pairs if value is not None)
