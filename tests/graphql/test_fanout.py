"""A subscription group's members, driven without a server: what each reads, and when it
leaves (the websocket handlers' side is in tests/live/test_fanout.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, cast

from strawberry.types import ExecutionResult

from app.graphql.context import GraphQLContext
from app.graphql.fanout import FanOut, SharedResult
from app.services import Services


def _group_source() -> tuple[asyncio.Queue[ExecutionResult], Any]:
    """Results to hand a group, and the upstream it reads them from."""
    results: asyncio.Queue[ExecutionResult] = asyncio.Queue()

    async def source() -> AsyncIterator[ExecutionResult]:
        while True:
            yield await results.get()

    async def upstream() -> AsyncIterator[ExecutionResult]:
        return source()

    return results, upstream


def _context() -> GraphQLContext:
    # Members only ask their context what the socket has not read yet.
    return GraphQLContext(services=cast(Services, None), caller_or_none=None)


async def test_members_read_each_result_encoded_once_and_leave_when_closed() -> None:
    fanout = FanOut(capacity=10)
    results, upstream = _group_source()
    first, second = fanout.join("k", upstream, _context()), fanout.join("k", upstream, _context())
    results.put_nowait(ExecutionResult(data={"n": 1}, errors=None))

    read = [await anext(first), await anext(second)]

    assert all(isinstance(result, SharedResult) for result in read)
    assert read[0] is read[1]
    assert cast(SharedResult, read[0]).payload_json == json.dumps({"data": {"n": 1}})
    await first.aclose()
    assert (fanout.group_count, fanout.member_count) == (1, 1)
    await second.aclose()
    assert (fanout.group_count, fanout.member_count) == (0, 0)


async def test_a_member_that_falls_behind_is_told_once_then_ends_and_leaves() -> None:
    fanout = FanOut(capacity=2)
    results, upstream = _group_source()
    slow, steady = fanout.join("k", upstream, _context()), fanout.join("k", upstream, _context())
    for n in range(3):
        results.put_nowait(ExecutionResult(data={"n": n}, errors=None))
        assert cast(SharedResult, await anext(steady)).data == {"n": n}

    told = await anext(slow)

    assert told.data is None
    assert told.errors[0].extensions == {"code": "SUBSCRIBER_TOO_SLOW"}
    # The legacy protocol's handler reads to the end without closing: the end leaves.
    assert [result async for result in slow] == []
    assert fanout.member_count == 1
    await steady.aclose()
    assert fanout.group_count == 0
