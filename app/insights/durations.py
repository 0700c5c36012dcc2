"""Spans of time as the metrics report them: how many, their mean and their median."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

__all__ = ["Durations"]


@dataclass(frozen=True)
class Durations:
    count: int
    mean_seconds: float | None
    median_seconds: float | None

    @classmethod
    def of(cls, seconds: list[float]) -> Durations:
        if not seconds:
            return cls(0, None, None)
        return cls(len(seconds), statistics.fmean(seconds), statistics.median(seconds))
