"""Room among the events a process stores at once: first come, first served, and a request
that stops waiting (refused, or its client gone) neither keeps room nor holds others back."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, AsyncExitStack

import pytest

from app.errors import ServiceBusy
from app.ingest.admission import Admission


async def _holding(stack: AsyncExitStack, room: AbstractAsyncContextManager[None]) -> None:
    await stack.enter_async_context(room)


async def _enters(admission: Admission, events: int, order: list[str], name: str) -> None:
    async with admission.room(events):
        order.append(name)
        await asyncio.sleep(0.01)


async def test_a_small_request_does_not_overtake_a_large_one_waiting_before_it() -> None:
    admission = Admission(10, wait_seconds=5)
    order: list[str] = []
    async with AsyncExitStack() as held:
        await _holding(held, admission.room(8))
        large = asyncio.create_task(_enters(admission, 5, order, "large"))
        await asyncio.sleep(0.01)
        small = asyncio.create_task(_enters(admission, 1, order, "small"))
        await asyncio.sleep(0.05)
        assert order == []  # the small one would fit, but the large one came first
    await asyncio.gather(large, small)
    assert order == ["large", "small"]
    assert admission.taken == 0


async def test_a_refused_request_lets_in_those_it_stood_before() -> None:
    admission = Admission(10, wait_seconds=0.2)
    order: list[str] = []
    async with AsyncExitStack() as held:
        await _holding(held, admission.room(8))
        large = asyncio.create_task(_enters(admission, 5, order, "large"))
        await asyncio.sleep(0.1)
        small = asyncio.create_task(_enters(admission, 1, order, "small"))
        with pytest.raises(ServiceBusy, match=r"as many events as it takes at once \(10\)"):
            await large
        # In while the first 8 are still held: only the refused request stood in its way.
        await small
        assert order == ["small"]
        assert admission.taken == 8
    assert admission.taken == 0


async def test_a_request_whose_client_left_keeps_no_room() -> None:
    admission = Admission(10, wait_seconds=5)
    async with AsyncExitStack() as held:
        await _holding(held, admission.room(10))
        waiting = asyncio.create_task(_enters(admission, 4, [], "gone"))
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    assert admission.taken == 0
    async with admission.room(10):
        assert admission.taken == 10


async def test_a_batch_larger_than_the_room_goes_alone() -> None:
    admission = Admission(10, wait_seconds=5)
    async with admission.room(25):
        assert admission.taken == 10
