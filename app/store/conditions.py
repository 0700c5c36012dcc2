"""Composing MongoDB conditions so they stay flat, the shape index ranges are planned from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from app.filters import OPERATORS, ORDERING, Condition, EventFilter, Op, all_of, conjuncts

__all__ = ["index_friendly", "narrowed", "time_bounds_exclusive", "untested_by"]

_MS = timedelta(milliseconds=1)


def index_friendly(flat: Mapping[str, Any], shapes: Sequence[Sequence[str]]) -> dict[str, Any]:
    """The equalities of `flat` that lead an index, by the first of `shapes` they fill.

    The embedded server plans well only a query shaped like one index (its leading equalities,
    then one range); a reader sends that and tests the rest of its filter on what it fetches.
    """
    for shape in shapes:
        if all(path in flat and not isinstance(flat[path], dict) for path in shape):
            return {path: flat[path] for path in shape}
    return {}


def time_bounds_exclusive(query: Mapping[str, Any]) -> dict[str, Any]:
    """`query` with each `$gte` on a time written as `$gt` one millisecond earlier.

    The same range, since times are stored to the millisecond; the embedded server drops the
    events on a `$gte` bound of a compound index's descending key (seen with SecantusDB 0.7).
    """
    sent = dict(query)
    for path, operators in query.items():
        if isinstance(operators, dict) and isinstance(operators.get("$gte"), datetime):
            bounds = {key: value for key, value in operators.items() if key != "$gte"}
            try:
                earlier = operators["$gte"] - _MS
            except OverflowError:  # at the first instant of year 1: every time is after it
                if bounds:
                    sent[path] = bounds
                else:
                    del sent[path]
                continue
            sent[path] = bounds | {"$gt": max(earlier, bounds.get("$gt", earlier))}
    return sent


def narrowed(match: Mapping[str, Any], path: str, operators: Mapping[str, Any]) -> dict[str, Any]:
    """`match` with `operators` on `path` required too, merged into it where they fit."""
    combined = dict(match)
    existing = combined.get(path)
    if existing is None:
        combined[path] = dict(operators)
    elif isinstance(existing, dict) and not existing.keys() & operators.keys():
        if all(key.startswith("$") for key in existing):
            combined[path] = {**existing, **operators}
        else:  # a literal document to compare with, not operators
            combined["$and"] = [*combined.get("$and", []), {path: dict(operators)}]
    else:
        combined["$and"] = [*combined.get("$and", []), {path: dict(operators)}]
    return combined


def untested_by(event_filter: EventFilter, query: Mapping[str, Any]) -> EventFilter | None:
    """What of `event_filter` a document found by `query` may still fail (None: nothing).

    A top-level equality or time bound that `query` sends as it is needs no second test: a
    page of the delivery model holds tens of thousands of rows, and testing each one again
    against conditions its index already applied costs more than reading it.
    """
    left = [item for item in conjuncts(event_filter) if not _sent(item, query)]
    return all_of(left) if left else None


def _sent(item: EventFilter, query: Mapping[str, Any]) -> bool:
    if not isinstance(item, Condition) or item.path not in query:
        return False
    sent = query[item.path]
    if item.op is Op.EQ:
        return not isinstance(sent, dict) and type(sent) is type(item.value) and sent == item.value
    if item.op not in ORDERING or not isinstance(sent, dict):
        return False
    asked = OPERATORS[item.op].mongo(item.value)
    return isinstance(item.value, datetime) and all(sent.get(k) == v for k, v in asked.items())
