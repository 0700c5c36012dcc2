"""Periods of time in UTC (hours, days, weeks from Monday, months, years) and how a range of
time is covered by whole periods of them.

Counting answers come from per-period totals: a range is the whole periods inside it, coarsest
first, plus the pieces at its ends too short for an hour. Both the read model that keeps the
totals and the insights that ask for them use the periods defined here.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

__all__ = [
    "Bucket",
    "Cover",
    "Run",
    "Unit",
    "cover",
    "finest",
    "following",
    "truncate",
]


class Unit(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Bucket(StrEnum):
    """The periods a client may count by (a subset of the units)."""

    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def truncate(unit: Unit | Bucket, moment: datetime) -> datetime:
    """The start of the period of `unit` that holds `moment`."""
    moment = moment.astimezone(UTC)
    if unit == Unit.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == Unit.DAY:
        return day
    if unit == Unit.WEEK:
        return day - timedelta(days=day.weekday())
    if unit == Unit.MONTH:
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def following(unit: Unit | Bucket, start: datetime) -> datetime:
    """The start of the period after the one starting at `start`."""
    if unit == Unit.HOUR:
        return start + timedelta(hours=1)
    if unit == Unit.DAY:
        return start + timedelta(days=1)
    if unit == Unit.WEEK:
        return start + timedelta(weeks=1)
    if unit == Unit.MONTH:
        return start + timedelta(days=calendar.monthrange(start.year, start.month)[1])
    return start.replace(year=start.year + 1)


@dataclass(frozen=True)
class Run:
    """Consecutive whole periods of one unit: those starting in [first, last)."""

    unit: Unit
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Cover:
    """A range as whole periods (`runs`) and the pieces left at its ends (`rest`, [a, b))."""

    runs: list[Run]
    rest: list[tuple[datetime, datetime]]


_SIZES = {Unit.HOUR: 1, Unit.DAY: 2, Unit.WEEK: 3, Unit.MONTH: 4, Unit.YEAR: 5}
# Units that nest, coarsest first: every period of a unit lies inside one of the unit before.
_CHAINS: dict[Bucket | None, tuple[Unit, ...]] = {
    None: (Unit.YEAR, Unit.MONTH, Unit.DAY, Unit.HOUR),
    Bucket.MONTH: (Unit.MONTH, Unit.DAY, Unit.HOUR),
    Bucket.WEEK: (Unit.WEEK, Unit.DAY, Unit.HOUR),
    Bucket.DAY: (Unit.DAY, Unit.HOUR),
    Bucket.HOUR: (Unit.HOUR,),
}


def cover(
    start: datetime, end: datetime, bucket: Bucket | None, *, units: Collection[Unit] = tuple(Unit)
) -> Cover:
    """[start, end) as whole periods of `units` that each lie inside one period of `bucket`;
    what no such period covers is left in `rest`.

    Coarsest first, so a year costs a handful of periods, not 8,760 hours.
    """
    result = Cover(runs=[], rest=[])
    _cover(start, end, tuple(unit for unit in _CHAINS[bucket] if unit in units), result)
    return result


def finest(units: Collection[Unit]) -> Unit:
    return min(units, key=_SIZES.__getitem__)


def _cover(start: datetime, end: datetime, chain: tuple[Unit, ...], into: Cover) -> None:
    if start >= end:
        return
    if not chain:
        into.rest.append((start, end))
        return
    unit, finer = chain[0], chain[1:]
    first = truncate(unit, start)
    if first < start:
        try:
            first = following(unit, first)
        except (OverflowError, ValueError):  # past year 9999: no whole period fits
            first = end
    last = truncate(unit, end)
    if first >= last:
        _cover(start, end, finer, into)
        return
    _cover(start, first, finer, into)
    into.runs.append(Run(unit, first, last))
    _cover(last, end, finer, into)
