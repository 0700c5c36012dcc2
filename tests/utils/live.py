"""What the live tests share: the subscription they send, waiting on a condition, and the
events they ingest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

__all__ = ["SUBSCRIBE", "build", "wait_until"]

SUBSCRIBE = """
subscription Watch($filter: EventFilter, $after: String) {
    events(filter: $filter, after: $after) {
        __typename
        ... on Event { id type action teamId cursor raw }
    }
}
"""


async def wait_until(condition: Callable[[], bool], within: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


def build(n: int, team: str, action: str = "succeeded") -> dict[str, Any]:
    return {"eventName": "build", "eventAction": action, "teamId": team, "data": {"n": n}}
