"""When a failed delivery is tried again: the retry schedule, with jitter, and a receiver's
`Retry-After` honoured up to a bound (a receiver asking for a week would otherwise hold its
webhook's queue for that long)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from app.outbound.sender import Attempt

__all__ = ["RetrySchedule"]


@dataclass(frozen=True)
class RetrySchedule:
    delays: tuple[float, ...]
    max_retry_after: float = 3600.0
    # Spread ±10%: the deliveries of many webhooks that failed together are not retried
    # together.
    jitter: float = 0.1

    def delay_after(self, tries: int, attempt: Attempt, rng: random.Random) -> float | None:
        """Seconds to wait after the `tries`-th failed attempt; None: that was the last."""
        if tries > len(self.delays):
            return None
        wait = self.delays[tries - 1] * rng.uniform(1 - self.jitter, 1 + self.jitter)
        if attempt.retry_after is not None:
            wait = max(wait, min(attempt.retry_after, self.max_retry_after))
        return wait
