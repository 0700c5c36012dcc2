"""The document worker's pace: it rests between requests as long as it computed for the last
one, so it takes at most half of the interpreter; a request's own steps do not wait."""

from __future__ import annotations

import asyncio

from app.graphql.document_work import _Pace


class Clock:
    """Time as the pace sees it: wall time moves when work or a rest takes it, CPU time
    only when work computes."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self.rests: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.rests.append(round(seconds, 6))
        self.wall += seconds

    def compute(self, seconds: float, waiting: float = 0.0) -> None:
        self.cpu += seconds
        self.wall += seconds + waiting

    def pace(self) -> _Pace:
        return _Pace(sleep=self.sleep, now=lambda: self.wall, computed=lambda: self.cpu)


async def request_task() -> asyncio.Task[object]:
    async def request() -> None:
        return None

    task: asyncio.Task[object] = asyncio.create_task(request())
    await task
    return task


async def test_another_request_waits_as_long_as_the_last_one_computed() -> None:
    clock = Clock()
    pace = clock.pace()
    first, second = await request_task(), await request_task()

    # 10 ms of computing, 15 more spent waiting for the interpreter: only the 10 are owed.
    pace.run(first, lambda: clock.compute(0.010, waiting=0.015))
    pace.run(second, lambda: clock.compute(0.010))

    assert clock.rests == [0.010]


async def test_a_requests_own_steps_do_not_wait_and_its_rest_is_their_sum() -> None:
    clock = Clock()
    pace = clock.pace()
    first, second = await request_task(), await request_task()

    pace.run(first, lambda: clock.compute(0.010))  # parse
    pace.run(first, lambda: clock.compute(0.004))  # measure
    pace.run(second, lambda: clock.compute(0.001))

    assert clock.rests == [0.014]


async def test_a_request_arriving_after_the_rest_does_not_wait() -> None:
    clock = Clock()
    pace = clock.pace()
    first, second, third = await request_task(), await request_task(), await request_task()

    pace.run(first, lambda: clock.compute(0.010))
    clock.wall += 0.006  # the answer goes out, the next request comes in
    pace.run(second, lambda: clock.compute(0.010))
    clock.wall += 0.030
    pace.run(third, lambda: clock.compute(0.010))

    assert clock.rests == [0.004]
