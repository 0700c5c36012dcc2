"""Reading a page in windows of time, so it costs what the page holds, not the whole history.

A page sorted by `timestamp` first is read one window of `timestamp` at a time, in the
page's direction, starting where the cursor points: each window is a bounded range of an index
(`timestamp`, or a compound index that ends in it). The first window is sized from the density
of stored events (the read model knows how many lie in how long) to hold the page; the next
one reaches as far as the matches found so far say the rest of the page lies (four times
wider while nothing matched), so a sparse filter costs a few windows more, never a scan of
all events first. What the index cannot check (`or`, `not`, and "after the cursor") is tested on
the fetched documents with the live predicate and the sort order, which mean the same.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ExecutionTimeout

from app.documents.ordering import sort_rank
from app.filters import EventFilter, matches
from app.filters.mongo import split_conjunction
from app.store.conditions import index_friendly, time_bounds_exclusive
from app.store.indexes import PAGE_SHAPES
from app.store.paging import Cursor, SortKey, sort_spec, sort_value
from app.timestamps import to_storage_precision

__all__ = ["Density", "read_in_windows"]

Document = dict[str, Any]
_MS = timedelta(milliseconds=1)
_CALENDAR = datetime.max - datetime.min
_GROWTH = 4
# Windows reach this much further than the events expected in them need, for the variance.
_MARGIN = 1.5
_BOUNDS = ("$gt", "$gte", "$lt", "$lte")


@dataclass(frozen=True)
class Density:
    """What the store knows of its events' times: how many over which span."""

    count: int
    first: datetime | None
    last: datetime | None

    def seconds_for(self, events: int) -> float:
        if self.count < 2 or self.first is None or self.last is None:
            return 3600.0
        # Times are stored to the millisecond: a window may be as narrow. A floor of a second
        # made a page of a store written at 1,000 events a second read 1,500 of them.
        span = max((self.last - self.first).total_seconds(), _MS.total_seconds())
        return max(events * span / self.count, _MS.total_seconds())


Bound = tuple[datetime, bool]  # a time and whether it is included


async def read_in_windows(
    events: AsyncCollection[Document],
    event_filter: EventFilter,
    sort: tuple[SortKey, ...],
    after: Cursor | None,
    wanted: int,
    density: Density,
    max_seconds: float,
) -> list[Document]:
    """Up to `wanted` documents matching `event_filter` after `after`, in `sort` order.

    `sort` must lead with `timestamp`. Raises ExecutionTimeout past `max_seconds` in all.
    """
    flat, rest = split_conjunction(event_filter)
    descending = sort[0].descending
    low, high, others = _user_bounds(_operators_of(flat.pop("timestamp", {})))
    indexed = index_friendly(flat, PAGE_SHAPES)
    # Everything the window query leaves out is tested on what it fetches.
    exact = rest is None and not others and flat.keys() == indexed.keys()
    read = _WindowReader(
        events, indexed, None if exact else event_filter, sort, time.monotonic() + max_seconds
    )
    found: list[Document] = []
    if after is not None:
        after = Cursor(tuple(_aware(value) for value in after.values), after.seq)
        # The cursor's own instant holds its ties; past it, every event comes after.
        at: datetime = after.values[0]
        ties = await read({"$eq": at}, None)
        found.extend(document for document in ties if _comes_after(document, sort, after))
        if descending:
            high = _tighter(high, (at, False), upper=True)
        else:
            low = _tighter(low, (at, False), upper=False)
    width = _capped(_MARGIN * density.seconds_for(wanted))
    edge = high if descending else low
    last = False
    covered, matched = timedelta(0), 0
    while len(found) < wanted and not last:
        window, edge, last = _window(descending, edge, width, (low, high), density)
        fetched = await read(window, wanted - len(found))
        found.extend(fetched)
        covered, matched = covered + width, matched + len(fetched)
        width = _next_width(width, covered, matched, wanted - len(found))
    return found[:wanted]


def _next_width(width: timedelta, covered: timedelta, matched: int, missing: int) -> timedelta:
    """How far the next window reaches: as far as the matches seen so far say the missing
    ones lie (a filter matching few events widens at once), or four times wider when none
    matched yet."""
    if matched == 0:
        return _capped(width.total_seconds() * _GROWTH)
    return max(_capped(covered.total_seconds() * _MARGIN * missing / matched), _MS)


def _capped(seconds: float) -> timedelta:
    """A width of `seconds`, at most the whole calendar: a window that wide reaches all
    events, and one wider is more than a timedelta holds (a page past a huge `skip`)."""
    return timedelta(seconds=min(seconds, _CALENDAR.total_seconds()))


class _WindowReader:
    def __init__(
        self,
        events: AsyncCollection[Document],
        indexed: Document,
        rest: EventFilter | None,
        sort: tuple[SortKey, ...],
        deadline: float,
    ) -> None:
        self._events = events
        self._indexed = indexed
        self._rest = rest
        self._sort = sort
        self._deadline = deadline

    async def __call__(self, window: Document, limit: int | None) -> list[Document]:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise ExecutionTimeout("reading the page's windows ran out of time", 50)
        times: Any = window.get("$eq", window) if window.keys() == {"$eq"} else window
        query = self._indexed | {"timestamp": times} if window else self._indexed
        found = self._events.find(
            time_bounds_exclusive(query), max_time_ms=max(int(remaining * 1000), 1)
        )
        found = found.sort(sort_spec(self._sort))
        if self._rest is None and limit is not None:
            found = found.limit(limit)  # every fetched document is in the page: no more needed
        documents = await found.to_list()
        if self._rest is None:
            return documents
        return [document for document in documents if matches(self._rest, document)]


def _window(
    descending: bool,
    edge: Bound | None,
    width: timedelta,
    limits: tuple[Bound | None, Bound | None],
    density: Density,
) -> tuple[Document, Bound | None, bool]:
    """The next window from `edge` on, the edge after it, and whether it is the last."""
    low, high = limits
    if density.first is None or density.last is None:
        return _operators(low, high), None, True  # nothing to size windows by: read it all
    if descending:
        start = density.last if edge is None else min(edge[0], density.last)
        far = _shifted(start, -width)
        last = far is None or far[0] <= density.first or (low is not None and far[0] <= low[0])
        if last:
            far = low
        return _operators(far, edge), _beyond(far), last
    start = density.first if edge is None else max(edge[0], density.first)
    far = _shifted(start, width)
    last = far is None or far[0] >= density.last or (high is not None and far[0] >= high[0])
    if last:
        far = high
    return _operators(edge, far), _beyond(far), last


def _shifted(start: datetime, width: timedelta) -> Bound | None:
    """The bound `width` from `start`; None past the calendar's ends, which it then reaches."""
    try:
        return (to_storage_precision(start + width), True)
    except OverflowError:
        return None


def _beyond(bound: Bound | None) -> Bound | None:
    """Where the next window starts: just past `bound`."""
    return None if bound is None else (bound[0], not bound[1])


def _operators(low: Bound | None, high: Bound | None) -> Document:
    operators: Document = {}
    if low is not None:
        operators["$gte" if low[1] else "$gt"] = low[0]
    if high is not None:
        operators["$lte" if high[1] else "$lt"] = high[0]
    return operators


def _operators_of(condition: Any) -> Document:
    return condition if isinstance(condition, dict) else {"$eq": condition}


def _user_bounds(operators: Document) -> tuple[Bound | None, Bound | None, Document]:
    """A filter's range on `timestamp`, and its other operators on it."""
    low: Bound | None = None
    high: Bound | None = None
    others: Document = {}
    for name, value in operators.items():
        if name == "$eq" and isinstance(value, datetime):
            # One instant is the range from it to itself.
            low = _tighter(low, (value, True), upper=False)
            high = _tighter(high, (value, True), upper=True)
        elif name in _BOUNDS and isinstance(value, datetime):
            bound = (value, name in ("$gte", "$lte"))
            if name in ("$gt", "$gte"):
                low = _tighter(low, bound, upper=False)
            else:
                high = _tighter(high, bound, upper=True)
        else:
            others[name] = value
    return low, high, others


def _tighter(current: Bound | None, other: Bound, *, upper: bool) -> Bound:
    if current is None:
        return other
    if current[0] != other[0]:
        return min(current, other) if upper else max(current, other)
    return (current[0], current[1] and other[1])


def _aware(value: Any) -> Any:
    # Cursors carry times as JSON, which reads them back without their (UTC) zone.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _comes_after(document: Document, sort: Sequence[SortKey], cursor: Cursor) -> bool:
    """Whether `document` sorts after the cursor's position (MongoDB's order of values)."""
    for key, value in zip(sort, cursor.values, strict=True):
        mine, theirs = sort_rank(sort_value(document, key)), sort_rank(value)
        if mine != theirs:
            return bool(mine < theirs) if key.descending else bool(mine > theirs)
    seq = int(document["seq"])
    return seq < cursor.seq if sort[-1].descending else seq > cursor.seq
