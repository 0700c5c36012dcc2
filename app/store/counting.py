"""Counting events from the count read model: the cost follows the periods asked for, not the
events stored.

A count is the model's documents for the whole periods of the range (`app.periods.cover`),
the events of the pieces at its ends too short for an hour, and the events the model has not
absorbed yet (the log after its checkpoint). The filter is tested on each counted kind with
the live predicate, so it means here exactly what it means in a query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.filters import Condition, EventFilter, Op, all_of, conjuncts, matches, paths_of
from app.filters.mongo import split_conjunction
from app.periods import Bucket, Cover, Unit, cover, finest, following, truncate
from app.store.conditions import index_friendly, time_bounds_exclusive
from app.store.count_model import (
    COUNTED_FIELDS,
    UNITS_ALL_TEAMS,
    UNITS_PER_TEAM,
    Kind,
    TeamScope,
)
from app.store.projection import Checkpoint, Projection

__all__ = ["TAIL_LIMIT", "CountPlan", "GroupCounts", "count_from_model", "count_plan"]

Document = dict[str, Any]
GroupCounts = Counter[tuple[tuple[Any, ...], datetime | None]]
_MS = timedelta(milliseconds=1)
# Past this many unabsorbed events (the models rebuilding, say) counting reads the events.
TAIL_LIMIT = 20_000
_ATTEMPTS = 5


@dataclass(frozen=True)
class CountPlan:
    """A count the model can answer: `kinds` on counted fields, within [start, end)."""

    kinds: EventFilter
    start: datetime | None
    end: datetime | None
    groups: tuple[str, ...]
    bucket: Bucket | None


def count_plan(
    event_filter: EventFilter, groups: Sequence[str], bucket: Bucket | None
) -> CountPlan | None:
    """How the model answers this count, or None when it cannot (other fields, or time
    conditions other than a range at the top)."""
    if not set(groups) <= COUNTED_FIELDS:
        return None
    start: datetime | None = None
    end: datetime | None = None
    kinds: list[EventFilter] = []
    for item in conjuncts(event_filter):
        bounds = _bounds(item)
        if bounds is None:
            if not paths_of(item) <= COUNTED_FIELDS:
                return None
            kinds.append(item)
            continue
        low, high = bounds
        if low is not None:
            start = low if start is None else max(start, low)
        if high is not None:
            end = high if end is None else min(end, high)
    return CountPlan(all_of(kinds), start, end, tuple(groups), bucket)


async def count_from_model(
    plan: CountPlan,
    projection: Projection,
    events: AsyncCollection[Document],
    allocated: int,
    max_time_ms: int,
) -> GroupCounts | None:
    """The counts per (group values, period start); None when the tail is too long."""
    for _ in range(_ATTEMPTS):
        checkpoint = await projection.checkpoint()
        if allocated - checkpoint.seq > TAIL_LIMIT:
            return None
        counts = await _model_counts(plan, projection, checkpoint)
        if counts is None:
            continue  # the model moved past the checkpoint while being read: read again
        reader = _EventReader(plan, events, max_time_ms)
        for start, end in _edges(plan, checkpoint):
            await reader.add(counts, {"timestamp": {"$gte": start, "$lt": end}}, checkpoint.seq)
        await reader.add(counts, {"seq": {"$gt": checkpoint.seq}}, None)
        return counts
    return None


async def _model_counts(
    plan: CountPlan, projection: Projection, checkpoint: Checkpoint
) -> GroupCounts | None:
    counts: GroupCounts = Counter()
    span = _absorbed_span(plan, checkpoint)
    if span is None:
        return counts
    scope = _team_scope(plan)
    # The same few dozen kinds recur in every period: each is tested against the filter once.
    groups: dict[tuple[str | None, Kind], tuple[Any, ...] | None] = {}
    for run in _cover(plan, span).runs:
        for team, document in await projection.counts.read(run, scope):
            if document.upto > checkpoint.seq:
                return None
            period = None if plan.bucket is None else truncate(plan.bucket, document.start)
            for kind, count in document.counts:
                if (team, kind) not in groups:
                    groups[(team, kind)] = _group_of(plan, dict(kind) | _team(team))
                key = groups[(team, kind)]
                if key is not None:
                    counts[(key, period)] += count
    return counts


def _group_of(plan: CountPlan, counted: Document) -> tuple[Any, ...] | None:
    """The group values of a counted kind, or None when the filter leaves it out."""
    if not matches(plan.kinds, counted):
        return None
    return tuple(counted.get(field) for field in plan.groups)


class _EventReader:
    """Counts events read from the log (the range's ends, the tail) as the model would."""

    def __init__(
        self, plan: CountPlan, events: AsyncCollection[Document], max_time_ms: int
    ) -> None:
        self._plan = plan
        self._events = events
        self._max_time_ms = max_time_ms
        self._indexed = index_friendly(split_conjunction(plan.kinds)[0], (("teamId",),))

    async def add(self, counts: GroupCounts, where: Document, through: int | None) -> None:
        """Count the events `where` selects (one range; the rest is tested here)."""
        fields = dict.fromkeys((*COUNTED_FIELDS, "timestamp", "seq"), 1)
        # Only a time range leads with the team (a team's index ends in time, not seq).
        query = self._indexed | where if "timestamp" in where else where
        found = self._events.find(
            time_bounds_exclusive(query), fields, max_time_ms=self._max_time_ms
        )
        for document in await found.to_list():
            if through is not None and document["seq"] > through:
                continue
            if not self._within(document["timestamp"]) or not matches(self._plan.kinds, document):
                continue
            bucket = self._plan.bucket
            period = None if bucket is None else truncate(bucket, document["timestamp"])
            counts[(tuple(document.get(f) for f in self._plan.groups), period)] += 1

    def _within(self, moment: datetime) -> bool:
        plan = self._plan
        return (plan.start is None or moment >= plan.start) and (
            plan.end is None or moment < plan.end
        )


def _absorbed_span(plan: CountPlan, checkpoint: Checkpoint) -> tuple[datetime, datetime] | None:
    """The plan's range within the absorbed events' (nothing is outside it).

    No absorbed event lies before the first or after the last, so the span reaches out to
    the whole periods around them: an open end then needs no events read from the log.
    """
    if checkpoint.first is None or checkpoint.last is None:
        return None
    unit = finest(_units(plan))
    low = truncate(unit, checkpoint.first)
    high = following(unit, truncate(unit, checkpoint.last))
    start = low if plan.start is None else max(plan.start, low)
    end = high if plan.end is None else min(plan.end, high)
    return (start, end) if start < end else None


def _edges(plan: CountPlan, checkpoint: Checkpoint) -> list[tuple[datetime, datetime]]:
    span = _absorbed_span(plan, checkpoint)
    return [] if span is None else _cover(plan, span).rest


def _cover(plan: CountPlan, span: tuple[datetime, datetime]) -> Cover:
    return cover(*span, plan.bucket, units=_units(plan))


def _units(plan: CountPlan) -> tuple[Unit, ...]:
    return UNITS_PER_TEAM if _team_scope(plan).per_team else UNITS_ALL_TEAMS


def _team_scope(plan: CountPlan) -> TeamScope:
    if "teamId" not in plan.groups and "teamId" not in paths_of(plan.kinds):
        return TeamScope(per_team=False)
    return TeamScope(per_team=True, teams=_named_teams(plan.kinds))


def _named_teams(kinds: EventFilter) -> tuple[str | None, ...] | None:
    """The teams a conjunction limits itself to (`teamId` eq/in at its top), if it does."""
    for item in conjuncts(kinds):
        match item:
            case Condition(path="teamId", op=Op.EQ, value=str() as team):
                return (team,)
            case Condition(path="teamId", op=Op.IN, value=tuple() as teams):
                return tuple(str(team) for team in teams)
    return None


def _team(team: str | None) -> Document:
    return {} if team is None else {"teamId": team}


def _bounds(item: EventFilter) -> tuple[datetime | None, datetime | None] | None:
    """[start, end) of a top-level `timestamp` comparison (stored to the millisecond)."""
    if not isinstance(item, Condition) or item.path != "timestamp":
        return None
    value = item.value
    if not isinstance(value, datetime):
        return None
    try:
        after: datetime | None = value + _MS
    except OverflowError:  # the last instant of year 9999: nothing lies after it
        after = None
    return {
        Op.GT: (value, value) if after is None else (after, None),  # [value, value): empty
        Op.GTE: (value, None),
        Op.LT: (None, value),
        Op.LTE: (None, after),
        Op.EQ: (value, after),
    }.get(item.op)
