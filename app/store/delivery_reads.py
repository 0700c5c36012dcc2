"""Reading delivery events and commits' first changes for the DORA metrics: from the read
models and the tail of the log they have not absorbed yet, or from the log itself for a filter
the models cannot answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.filters import Condition, EventFilter, Op, all_of, conjuncts, matches, paths_of, to_mongo
from app.filters.mongo import split_conjunction
from app.insights.delivery_kinds import CHANGE_STARTS, DELIVERY_TYPES
from app.store.change_starts import scope_key
from app.store.conditions import index_friendly, time_bounds_exclusive, untested_by
from app.store.counting import TAIL_LIMIT
from app.store.delivery_model import DELIVERY_FIELDS, LIFECYCLE
from app.store.projection import Projection

__all__ = ["read_deliveries", "read_first_changes"]

Document = dict[str, Any]
_FIELDS = dict.fromkeys(DELIVERY_FIELDS, 1)
# The equalities leading the model's indexes (`DeliveryModel.prepare`).
_SHAPES = (("type", "teamId"), ("type",))


async def read_deliveries(
    event_filter: EventFilter,
    projection: Projection,
    events: AsyncCollection[Document],
    allocated: int,
    max_time_ms: int,
) -> list[Document]:
    """The delivery fields of the events `event_filter` selects (no order)."""
    checkpoint = await projection.checkpoint()
    flat, _ = split_conjunction(event_filter)
    if not _answerable(event_filter) or allocated - checkpoint.seq > TAIL_LIMIT:
        everything = events.find(to_mongo(event_filter), _FIELDS, max_time_ms=max_time_ms)
        return await everything.to_list()
    # Shaped like one of the model's indexes; the whole filter is tested on what comes back.
    indexed = index_friendly(flat, _SHAPES)
    if not indexed and isinstance(flat.get("commit"), dict) and "$in" in flat["commit"]:
        indexed = {"commit": {"$in": flat["commit"]["$in"]}}
    if "commit" not in indexed and isinstance(flat.get("timestamp"), dict):
        indexed["timestamp"] = flat["timestamp"]
    absorbed = projection.deliveries.collection.find(
        time_bounds_exclusive(indexed), _FIELDS | {"_id": 1}, max_time_ms=max_time_ms
    )
    tail = events.find({"seq": {"$gt": checkpoint.seq}}, _FIELDS, max_time_ms=max_time_ms)
    # The model holds lifecycle events only: that condition is met by every row of it too.
    left = untested_by(event_filter, indexed | {"source": LIFECYCLE})
    found = [
        row
        for row in await absorbed.to_list()
        if row["_id"] <= checkpoint.seq and (left is None or matches(left, row))
    ]
    return found + [row for row in await tail.to_list() if matches(event_filter, row)]


def _answerable(event_filter: EventFilter) -> bool:
    """Whether the model holds every event the filter selects, with every field it reads."""
    if not paths_of(event_filter) <= DELIVERY_FIELDS:
        return False
    lifecycle = of_kinds = False
    for item in conjuncts(event_filter):
        match item:
            case Condition(path="source", op=Op.EQ, value=value) if value == LIFECYCLE:
                lifecycle = True
            case Condition(path="type", op=Op.EQ, value=str() as name):
                of_kinds = of_kinds or name in DELIVERY_TYPES
            case Condition(path="type", op=Op.IN, value=tuple() as names):
                of_kinds = of_kinds or set(names) <= DELIVERY_TYPES
    return lifecycle and of_kinds


async def read_first_changes(
    scope: EventFilter,
    commits: Sequence[str],
    deployed: tuple[datetime, datetime],
    projection: Projection,
    events: AsyncCollection[Document],
    allocated: int,
    max_time_ms: int,
) -> dict[str, datetime] | None:
    """Each commit's first `commit`/`change` event in `scope`; None when the model cannot say
    (a scope other than a team and a repo, or a long unabsorbed tail)."""
    key = _scope_key(scope)
    checkpoint = await projection.checkpoint()
    if key is None or allocated - checkpoint.seq > TAIL_LIMIT:
        return None
    found = await projection.starts.first_changes(key, commits, deployed, max_time_ms)
    wanted = set(commits)
    changes = all_of([scope, Condition("type", Op.IN, CHANGE_STARTS)])
    tail = events.find({"seq": {"$gt": checkpoint.seq}}, _FIELDS, max_time_ms=max_time_ms)
    for row in await tail.to_list():
        commit = row.get("commit")
        if commit in wanted and matches(changes, row):
            found[commit] = min(found.get(commit, row["timestamp"]), row["timestamp"])
    return found


def _scope_key(scope: EventFilter) -> str | None:
    """The change-starts scope of a lifecycle scope naming at most a team and a repo."""
    named: dict[str, str] = {}
    for item in conjuncts(scope):
        match item:
            case Condition(path="source", op=Op.EQ, value=value) if value == LIFECYCLE:
                continue
            case Condition(path="teamId" | "repo" as path, op=Op.EQ, value=str() as value) if (
                path not in named
            ):
                named[path] = value
            case _:
                return None
    return scope_key(
        named.get("teamId"),
        named.get("repo"),
        any_team="teamId" not in named,
        any_repo="repo" not in named,
    )
