"""The collector policy keeps held subscribers out of the garbage collector's walks, and still
reclaims what ended subscriptions leave behind."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable

from app.live.collector import CollectorPolicy


class _Held:
    """Stands for a subscription's objects: a reference cycle, as its coroutines form."""

    def __init__(self) -> None:
        self.me = self


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the policy did not act in time"
        await asyncio.sleep(0.01)


async def test_what_lives_is_frozen_and_what_ended_subscriptions_left_is_reclaimed() -> None:
    ended, subscriptions = 0, 8
    policy = CollectorPolicy(
        lambda: ended, lambda: subscriptions, release_seconds=3600, poll_seconds=0.01
    )
    held = _Held()
    gone = weakref.ref(held)
    running = asyncio.create_task(policy.run())
    try:
        await _until(lambda: gc.get_freeze_count() > 0)
        del held
        gc.collect()
        # Frozen with the living: a full collection no longer walks it.
        assert gone() is not None

        ended = 1
        await asyncio.sleep(0.1)
        assert gone() is not None  # one of eight ended: not worth a full collection yet
        ended = 2  # a quarter of those held: what they left is released and collected
        await _until(lambda: gone() is None)
        assert gc.get_freeze_count() > 0  # and what still lives is frozen again
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert gc.get_freeze_count() == 0
