"""Each figure gets the level of DORA's 2024 clusters it falls in, and none without data."""

from __future__ import annotations

import pytest

from app.insights.levels import (
    DoraLevel,
    fail_rate_level,
    frequency_level,
    lead_time_level,
    recovery_level,
)

HOUR, DAY = 3600.0, 86400.0
E, H, M, L = DoraLevel.ELITE, DoraLevel.HIGH, DoraLevel.MEDIUM, DoraLevel.LOW


@pytest.mark.parametrize(
    ("seconds", "level"),
    [
        (None, None),
        (23 * HOUR, E),
        (DAY, H),
        (6 * DAY, H),
        (7 * DAY, M),
        (29 * DAY, M),
        (40 * DAY, L),
    ],
)
def test_lead_time(seconds: float | None, level: DoraLevel | None) -> None:
    assert lead_time_level(seconds) == level


@pytest.mark.parametrize(
    ("seconds", "level"),
    [(None, None), (30 * 60, E), (HOUR, H), (23 * HOUR, H), (2 * DAY, M), (8 * DAY, L)],
)
def test_recovery_time(seconds: float | None, level: DoraLevel | None) -> None:
    assert recovery_level(seconds) == level


@pytest.mark.parametrize(
    ("rate", "level"),
    [(None, None), (0.0, E), (0.05, E), (0.09, M), (0.12, M), (0.18, H), (0.29, H), (0.5, L)],
)
def test_change_fail_rate_takes_the_nearest_cluster(
    rate: float | None, level: DoraLevel | None
) -> None:
    assert fail_rate_level(rate) == level


def test_deployment_frequency_follows_the_band_when_anything_was_deployed() -> None:
    assert [frequency_level(band, 3) for band in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")] == [
        E,
        H,
        M,
        L,
    ]
    assert frequency_level("YEARLY", 0) is None
