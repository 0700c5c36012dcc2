"""Reading delivery events and commits' first changes for the DORA metrics: from the read
models and the tail of the log they have not absorbed yet, or from the log itself for a filter
the models cannot answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from app.families.delivery import DELIVERY_TYPES, delivery_role, pushed
from app.families.roles import CHANGE_STARTS
from app.filters import Condition, EventFilter, Op, conjuncts, matches, paths_of, to_mongo
from app.filters.mongo import split_conjunction
from app.store.change_starts import FirstChanges, scope_key
from app.store.conditions import index_friendly, time_bounds_exclusive, untested_by
from app.store.counting import TAIL_LIMIT
from app.store.delivery_model import DELIVERY_FIELDS
from app.store.projection import Projection

__all__ = ["read_deliveries", "read_first_changes"]

Document = dict[str, Any]
# Each row says which event it is by its `seq` (the model's `_id`), so a metric's events can
# be listed.
_FIELDS = dict.fromkeys(DELIVERY_FIELDS, 1) | {"seq": 1, "_id": 0}
_MODEL_FIELDS = dict.fromkeys(DELIVERY_FIELDS, 1)
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
    if not _answerable(event_filter) or allocated - checkpoint.seq > TAIL_LIMIT:
        everything = events.find(to_mongo(event_filter), _FIELDS, max_time_ms=max_time_ms)
        return await everything.to_list()
    found: list[Document] = []
    for indexed in _index_ranges(event_filter):
        absorbed = projection.deliveries.collection.find(
            time_bounds_exclusive(indexed), _MODEL_FIELDS, max_time_ms=max_time_ms
        )
        left = untested_by(event_filter, indexed)
        for row in await absorbed.to_list():
            row["seq"] = row.pop("_id")
            if row["seq"] <= checkpoint.seq and (left is None or matches(left, row)):
                found.append(row)
    tail = events.find({"seq": {"$gt": checkpoint.seq}}, _FIELDS, max_time_ms=max_time_ms)
    return found + [row for row in await tail.to_list() if matches(event_filter, row)]


def _index_ranges(event_filter: EventFilter) -> list[Document]:
    """Queries of the model, each shaped like one of its indexes, that together find every
    event the filter selects (and others, which the caller tests the whole filter on).

    Several types (the kinds of each family playing one part) are one range per type: the
    embedded server plans an index range from equalities, not from a list.
    """
    flat, _ = split_conjunction(event_filter)
    indexed = index_friendly(flat, _SHAPES)
    commit, types = flat.get("commit"), flat.get("type")
    if not indexed and isinstance(commit, dict) and "$in" in commit:
        return [{"commit": {"$in": commit["$in"]}}]
    ranges = [indexed]
    if not indexed and isinstance(types, dict) and types.keys() == {"$in"}:
        team = flat.get("teamId")
        same_team = {} if team is None or isinstance(team, dict) else {"teamId": team}
        ranges = [{"type": name} | same_team for name in types["$in"]]
    if isinstance(flat.get("timestamp"), dict):
        ranges = [query | {"timestamp": flat["timestamp"]} for query in ranges]
    return ranges


def _answerable(event_filter: EventFilter) -> bool:
    """Whether the model holds every event the filter selects, with every field it reads."""
    if not paths_of(event_filter) <= DELIVERY_FIELDS:
        return False
    of_kinds = False
    for item in conjuncts(event_filter):
        match item:
            case Condition(path="type", op=Op.EQ, value=str() as name):
                of_kinds = of_kinds or name in DELIVERY_TYPES
            case Condition(path="type", op=Op.IN, value=tuple() as names):
                of_kinds = of_kinds or set(names) <= DELIVERY_TYPES
    return of_kinds


async def read_first_changes(
    scope: EventFilter,
    commits: Sequence[str],
    deployed: tuple[datetime, datetime],
    projection: Projection,
    events: AsyncCollection[Document],
    allocated: int,
    max_time_ms: int,
) -> FirstChanges | None:
    """Each commit's first event playing a `commit`/`change` in `scope`, and which of them a
    push left a branch at; None when the model cannot say (a scope other than a team and a
    repo, or a long unabsorbed tail)."""
    key = _scope_key(scope)
    checkpoint = await projection.checkpoint()
    if key is None or allocated - checkpoint.seq > TAIL_LIMIT:
        return None
    absorbed = await projection.starts.first_changes(key, commits, deployed, max_time_ms)
    found, heads = absorbed.times, set(absorbed.pushed)
    wanted = set(commits)
    tail = events.find({"seq": {"$gt": checkpoint.seq}}, _FIELDS, max_time_ms=max_time_ms)
    for row in await tail.to_list():
        commit, role = row.get("commit"), delivery_role(row)
        if role is None or role[0] not in CHANGE_STARTS or commit not in wanted:
            continue
        if pushed(row) is not None:
            heads.add(commit)
        if matches(scope, row):
            found[commit] = min(found.get(commit, row["timestamp"]), row["timestamp"])
    return FirstChanges(found, frozenset(heads))


def _scope_key(scope: EventFilter) -> str | None:
    """The change-starts scope of a scope naming at most a team and a repo.

    The model holds every family together: a scope naming a `source` is not one of its.
    """
    named: dict[str, str] = {}
    for item in conjuncts(scope):
        match item:
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
