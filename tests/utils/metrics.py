"""How the metrics tests write the answers they work out: `Durations` as the API gives them,
and a comparison that takes floats to within rounding."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

__all__ = ["close_enough", "durations"]


def durations(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"count": 0, "meanSeconds": None, "medianSeconds": None}
    return {
        "count": len(seconds),
        "meanSeconds": statistics.fmean(seconds),
        "medianSeconds": statistics.median(seconds),
    }


def close_enough(got: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return set(got) == set(expected) and all(
            close_enough(got[k], expected[k]) for k in expected
        )
    if isinstance(expected, float):
        return bool(got == pytest.approx(expected, rel=1e-9))
    return bool(got == expected)
