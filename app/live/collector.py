"""Short garbage-collector pauses while many subscribers are held.

CPython's full collection walks every container object the process holds, with the event loop
stopped. A live subscription holds about 300 of them (its protocol state, Strawberry's and
graphql-core's coroutines and closures), so with 2,000 subscribers one full collection stopped
delivery for ~370 ms, and every event in flight waited behind it: the pause was the p99 of the
distinct-filters benchmark (under 50 ms once it is gone).

What survives a full collection is long-lived: it is frozen (`gc.freeze`), out of the way of
later collections, which then walk only what came since (~25 ms). Frozen objects that become
garbage in a cycle stay until released, and an ended subscription leaves ~180 such objects.
So once a quarter as many subscriptions have ended since the last release as are held now
(at least one), or `release_seconds` have passed, everything is unfrozen and collected (one
pause of the old length) and frozen again: CPython's own rule, a full collection when the
long-lived objects grew by a quarter, applied to what ends rather than to everything that
lives. The pauses are then paid for churn, not for holding subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable

__all__ = ["CollectorPolicy"]

log = logging.getLogger(__name__)


class CollectorPolicy:
    def __init__(
        self,
        ended_so_far: Callable[[], int],
        held_now: Callable[[], int],
        *,
        release_seconds: float = 600,
        poll_seconds: float = 1.0,
    ) -> None:
        self._ended_so_far = ended_so_far
        self._held_now = held_now
        self._release_seconds = release_seconds
        self._poll_seconds = poll_seconds

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The policy in force for the duration of the block."""
        task = asyncio.create_task(self.run(), name="collector")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def run(self) -> None:
        """Freeze after each full collection; release now and then. Runs until cancelled."""
        try:
            while True:
                self._release()
                full_collections = _full_collections()
                ended_at_release, released_at = self._ended_so_far(), time.monotonic()
                while (
                    self._ended_so_far() - ended_at_release < max(1, self._held_now() // 4)
                    and time.monotonic() - released_at < self._release_seconds
                ):
                    await asyncio.sleep(self._poll_seconds)
                    if _full_collections() != full_collections:
                        # The young generations are collected first: what is garbage now is
                        # not frozen with the survivors.
                        gc.collect(1)
                        gc.freeze()
                    full_collections = _full_collections()
        finally:
            gc.unfreeze()

    @staticmethod
    def _release() -> None:
        started = time.perf_counter()
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        log.debug(
            "full collection: %d unreachable, %d frozen, %.0f ms",
            found,
            gc.get_freeze_count(),
            (time.perf_counter() - started) * 1000,
        )


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])
