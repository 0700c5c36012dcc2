"""Waiting for the read models, as a reader of the database sees them."""

from __future__ import annotations

import asyncio

from tests.utils.service import RunningService

__all__ = ["until_absorbed"]


async def until_absorbed(service: RunningService) -> None:
    """Wait until the read models hold every stored event, as a reader of the database sees."""
    database = service.mongo[service.settings.database]
    for _ in range(600):
        counter = await database["counters"].find_one({"_id": "events"})
        checkpoint = await database["read_models"].find_one({"_id": "checkpoint"})
        if counter and checkpoint and checkpoint["seq"] >= counter["seq"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the read models never caught up")
