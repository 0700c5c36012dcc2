"""DORA's performance levels (the 2024 report's clusters), for each metric's figure.

The report gives each cluster a range (lead time, recovery time) or a typical value (change
fail rate), with gaps and overlaps between them; here each level runs up to the next one's
start, so every figure has exactly one level:

- deployment frequency, from the band (Four Keys' rule, as DevLake places it): DAILY elite,
  WEEKLY high, MONTHLY medium, YEARLY low.
- lead time (median): under a day elite, under a week high, under 30 days medium, else low.
- failed deployment recovery time (median): under an hour elite, under a day high, under a
  week medium, else low (the report puts high and medium both "under a day", low from a week).
- change fail rate: the cluster whose value is nearest (elite 5 %, medium 10 %, high 20 %,
  low 40 %: in 2024 the medium cluster failed less often than the high one).

No level when there is nothing to judge (no deployment, no measured span). Deployment rework
rate has none: the 2024 report, which added it, published no clusters for it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DoraLevel", "fail_rate_level", "frequency_level", "lead_time_level", "recovery_level"]

_HOUR = 3600.0
_DAY = 24 * _HOUR


class DoraLevel(StrEnum):
    ELITE = "ELITE"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"


_BY_BAND = {
    "DAILY": DoraLevel.ELITE,
    "WEEKLY": DoraLevel.HIGH,
    "MONTHLY": DoraLevel.MEDIUM,
    "YEARLY": DoraLevel.LOW,
}
_LEAD_TIME = ((_DAY, DoraLevel.ELITE), (7 * _DAY, DoraLevel.HIGH), (30 * _DAY, DoraLevel.MEDIUM))
_RECOVERY = ((_HOUR, DoraLevel.ELITE), (_DAY, DoraLevel.HIGH), (7 * _DAY, DoraLevel.MEDIUM))
_FAIL_RATE_CLUSTERS = (
    (0.05, DoraLevel.ELITE),
    (0.10, DoraLevel.MEDIUM),
    (0.20, DoraLevel.HIGH),
    (0.40, DoraLevel.LOW),
)


def _below(value: float | None, limits: tuple[tuple[float, DoraLevel], ...]) -> DoraLevel | None:
    if value is None:
        return None
    return next((level for limit, level in limits if value < limit), DoraLevel.LOW)


def frequency_level(band: str, attempts: int) -> DoraLevel | None:
    """`attempts`: deployments made, succeeded or failed; none leaves nothing to judge."""
    return _BY_BAND[band] if attempts else None


def lead_time_level(median_seconds: float | None) -> DoraLevel | None:
    return _below(median_seconds, _LEAD_TIME)


def recovery_level(median_seconds: float | None) -> DoraLevel | None:
    return _below(median_seconds, _RECOVERY)


def fail_rate_level(rate: float | None) -> DoraLevel | None:
    if rate is None:
        return None
    return min(_FAIL_RATE_CLUSTERS, key=lambda cluster: abs(cluster[0] - rate))[1]
