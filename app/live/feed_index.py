"""The live feeds, indexed by what an event must be for them to want it.

Testing every feed's filter against every event costs events times subscriptions, however few
of them match. Most filters name what they want with an equality on a named field (a team
token's scope adds `teamId = its team` to every one of its subscriptions; monitors watch a
type, a repo, a source): a feed whose filter requires `field = value` (or `field in values`)
at its top level can only match events holding that value there, so it is filed under it and
only events holding it look at it. Feeds without such a condition are tested on every event.
The index only chooses which filters to test: each candidate's own filter still decides, so
a filter means exactly what it means in MongoDB.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from app.filters import Condition, EventFilter, Op, conjuncts
from app.live.feed import Feed

__all__ = ["FeedIndex", "filing_keys"]

Document = dict[str, Any]
Key = tuple[str, str]

# Stored fields that hold one string or nothing: an equality there is a plain comparison of
# the document's value (no arrays to walk into, no type classes to mix), so it can be a key.
# In order of preference, most selective first.
INDEXED_FIELDS = (
    "type",
    "teamId",
    "repo",
    "object",
    "actor",
    "branch",
    "commit",
    "action",
    "source",
)


class FeedIndex:
    def __init__(self) -> None:
        self._filed: dict[Key, set[Feed]] = defaultdict(set)
        self._keys_of: dict[Feed, tuple[Key, ...]] = {}
        self._everywhere: set[Feed] = set()

    def __len__(self) -> int:
        return len(self._keys_of) + len(self._everywhere)

    def __iter__(self) -> Iterator[Feed]:
        yield from list(self._keys_of)
        yield from list(self._everywhere)

    def add(self, feed: Feed) -> None:
        keys = filing_keys(feed.event_filter)
        if not keys:
            self._everywhere.add(feed)
            return
        self._keys_of[feed] = keys
        for key in keys:
            self._filed[key].add(feed)

    def discard(self, feed: Feed) -> None:
        self._everywhere.discard(feed)
        for key in self._keys_of.pop(feed, ()):
            filed = self._filed[key]
            filed.discard(feed)
            if not filed:
                del self._filed[key]

    def candidates(self, document: Document) -> set[Feed]:
        """The feeds that may want the event stored as `document`: the only ones to test."""
        found = set(self._everywhere)
        for field in INDEXED_FIELDS:
            value = document.get(field)
            if isinstance(value, str):
                found.update(self._filed.get((field, value), ()))
        return found


def filing_keys(event_filter: EventFilter) -> tuple[Key, ...]:
    """Where a feed with `event_filter` is filed: under each value one required equality
    allows, on the most selective indexed field it has; none when it requires none."""
    required = [
        item
        for item in conjuncts(event_filter)
        if isinstance(item, Condition) and item.path in INDEXED_FIELDS
    ]
    for field in INDEXED_FIELDS:
        for condition in required:
            if condition.path != field:
                continue
            values = _allowed_strings(condition)
            if values is not None:
                return tuple((field, value) for value in values)
    return ()


def _allowed_strings(condition: Condition) -> tuple[str, ...] | None:
    """The only values an EQ or IN condition lets through, if all are strings."""
    if condition.op is Op.EQ and isinstance(condition.value, str):
        return (condition.value,)
    if (
        condition.op is Op.IN
        and isinstance(condition.value, tuple)
        and all(isinstance(value, str) for value in condition.value)
    ):
        return tuple(dict.fromkeys(condition.value))  # type: ignore[arg-type]
    return None
