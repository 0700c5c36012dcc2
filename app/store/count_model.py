"""Read model of event counts: per period, team, family, type and action.

One document per (unit, period) for all teams together, holding a count per (source, type,
action) seen in it, in hours, days, weeks, months and years; and one per (month, team) holding
the month's counts and each of its days' (`UNITS_PER_TEAM`). Any range is answered from a few
dozen documents (`app.periods.cover`); a team's year from 12 months, its week from the days of
one or two months.

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
from typing import Any, ClassVar

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from app.documents.keys import escape_key, unescape_key
from app.periods import Run, Unit, truncate
from app.store.write_turns import WriteTurns

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
# own: one document per team and month, its days inside, is one write where four units were
# four (the database's largest cost at 2,000 teams). Hours per team would be nearly one
# document per event; a team's pieces shorter than a day are read from its events.
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
    collection_prefix: ClassVar[str] = "read_counts_"

    def __init__(self, collection: AsyncCollection[Document], turns: WriteTurns) -> None:
        self._collection = collection
        self._turns = turns

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

    async def absorb(self, events: Sequence[Mapping[str, Any]], *, upto: int) -> None:
        """Add `events` (a batch of the log ending at sequence number `upto`)."""
        # What each document's counters gain, by their paths in it.
        increments: dict[tuple[Unit, datetime, str, str | None], Counter[str]] = defaultdict(
            Counter
        )
        for event in events:
            key, moment = _kind_key(event), event["timestamp"]
            for unit in UNITS_ALL_TEAMS:
                increments[(unit, truncate(unit, moment), _ALL, None)][f"counts.{key}"] += 1
            team_month = increments[
                (Unit.MONTH, truncate(Unit.MONTH, moment), _TEAM, event.get("teamId"))
            ]
            team_month[f"counts.{key}"] += 1
            team_month[f"days.{truncate(Unit.DAY, moment).day:02d}.{key}"] += 1
        updates = [
            UpdateOne(
                {"_id": _document_id(unit, start, scope, team), "upto": {"$lt": upto}},
                {
                    "$inc": dict(paths),
                    "$set": {"upto": upto},
                    "$setOnInsert": {"level": unit.value, "scope": scope, "team": team}
                    | {"start": start},
                },
                upsert=True,
            )
            for (unit, start, scope, team), paths in increments.items()
        ]
        # A document already past this batch refuses it (a duplicate of its key): no error.
        await self._turns.write_models(self._collection, updates)

    async def read(self, run: Run, scope: TeamScope) -> list[tuple[str | None, CountDocument]]:
        """The documents of `run`'s periods, each with its team (None for all teams)."""
        if scope.per_team and run.unit is Unit.DAY:
            return await self._team_days(run, scope)
        query: Document = {
            "level": run.unit.value,
            "scope": _TEAM if scope.per_team else _ALL,
            "start": {"$gte": run.first, "$lt": run.last},
        }
        found = await self._collection.find(_teams(query, scope), {"days": 0}).to_list()
        return [
            (
                document.get("team") if scope.per_team else None,
                _counted(document["start"], document["upto"], document.get("counts", {})),
            )
            for document in found
        ]

    async def _team_days(
        self, run: Run, scope: TeamScope
    ) -> list[tuple[str | None, CountDocument]]:
        """A team's days, from the month documents that hold them."""
        query: Document = {
            "level": Unit.MONTH.value,
            "scope": _TEAM,
            "start": {"$gte": truncate(Unit.MONTH, run.first), "$lt": run.last},
        }
        read: list[tuple[str | None, CountDocument]] = []
        for month in await self._collection.find(_teams(query, scope), {"counts": 0}).to_list():
            for day, counts in month.get("days", {}).items():
                start = month["start"].replace(day=int(day))
                if run.first <= start < run.last:
                    read.append((month.get("team"), _counted(start, month["upto"], counts)))
        return read


def _teams(query: Document, scope: TeamScope) -> Document:
    if scope.per_team and scope.teams is not None:
        query["team"] = scope.teams[0] if len(scope.teams) == 1 else {"$in": list(scope.teams)}
    return query


def _counted(start: datetime, upto: int, counts: Mapping[str, int]) -> CountDocument:
    return CountDocument(
        start=start,
        upto=int(upto),
        counts=[(_kind_fields(key), int(count)) for key, count in counts.items()],
    )


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
