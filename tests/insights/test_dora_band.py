"""The deployment-frequency band: judged over whole weeks and months, so where a range starts
and ends does not move it for a team deploying at a steady pace, and one more deployment never
lowers it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.insights.counts import TimeRange
from app.insights.dora import DoraBand, _band

RANK = [DoraBand.YEARLY, DoraBand.MONTHLY, DoraBand.WEEKLY, DoraBand.DAILY]
ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=300, deadline=None)
@given(
    offset=st.integers(0, 365),
    length=st.integers(1, 120),
    picked=st.sets(st.integers(0, 119), max_size=80),
    added=st.integers(0, 119),
)
def test_one_more_deploy_day_never_lowers_the_band(
    offset: int, length: int, picked: set[int], added: int
) -> None:
    start = ORIGIN + timedelta(days=offset)
    within = TimeRange(start, start + timedelta(days=length), end_inclusive=False)
    days = sorted(start + timedelta(days=n) for n in picked if n < length)
    more = sorted({*days, start + timedelta(days=added % length)})

    assert RANK.index(_band(more, within)) >= RANK.index(_band(days, within))


@settings(max_examples=300, deadline=None)
@given(
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    offset=st.integers(0, 400),
    length=st.integers(14, 120),
)
def test_a_steady_pace_gets_one_band_wherever_the_range_starts_and_ends(
    weekdays: set[int], offset: int, length: int
) -> None:
    # The same weekdays every week, for well over a year: any range of two weeks or more sees
    # the same pace, so it must get the band a range of whole weeks gets.
    monday = datetime(2025, 12, 29, tzinfo=UTC)
    days = [monday + timedelta(weeks=w, days=d) for w in range(80) for d in sorted(weekdays)]
    start = monday + timedelta(days=offset)
    within = TimeRange(start, start + timedelta(days=length), end_inclusive=False)
    whole = TimeRange(monday + timedelta(weeks=10), monday + timedelta(weeks=30), False)

    def seen(span: TimeRange) -> list[datetime]:
        return [day for day in days if span.start <= day < span.end]

    assert _band(seen(within), within) is _band(seen(whole), whole)


def test_a_range_cut_mid_week_is_judged_on_its_whole_weeks() -> None:
    # Three deploy days in each of two whole weeks; the range starts on the Sunday before and
    # ends on the Tuesday after, and its cut weeks hold none: half its weeks were empty.
    monday = datetime(2026, 11, 9, tzinfo=UTC)
    days = [monday + timedelta(weeks=w, days=d) for w in range(2) for d in (2, 3, 4)]
    within = TimeRange(monday - timedelta(days=1), monday + timedelta(weeks=2, days=2), False)

    assert _band(days, within) is DoraBand.DAILY
