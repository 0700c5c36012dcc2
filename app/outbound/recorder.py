"""Group commit of delivery's bookkeeping: the log's writes and the webhooks' positions.

Every delivery is recorded durably before its webhook sends the next event (so a crash
repeats only what was in flight), and a durable write is one journal flush: one at a time,
a hundred webhooks would wait on each other's flushes. So writes wait in line while a group
is being written and the next group takes all of them, in one bulk write per collection; an
idle service writes at once, a busy one bigger groups. No timer, so no latency is added.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

__all__ = ["Recorder"]

Document = dict[str, Any]


@dataclass(frozen=True)
class _Write:
    collection: AsyncCollection[Document]
    update: UpdateOne
    done: asyncio.Future[None]


class Recorder:
    def __init__(self, max_group: int = 1000) -> None:
        self._max_group = max_group
        self._waiting: list[_Write] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, collection: AsyncCollection[Document], update: UpdateOne) -> None:
        """Apply `update` to `collection` durably, with whatever else is waiting."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.add_done_callback(lambda settled: settled.cancelled() or settled.exception())
        self._waiting.append(_Write(collection, update, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="webhook-records")
        await asyncio.shield(done)

    async def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(BaseException):
                await self._writer

    async def _write_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = (
                self._waiting[: self._max_group],
                self._waiting[self._max_group :],
            )
            by_collection: dict[str, list[_Write]] = {}
            for write in group:
                by_collection.setdefault(write.collection.full_name, []).append(write)
            for writes in by_collection.values():
                try:
                    await writes[0].collection.bulk_write(
                        [write.update for write in writes], ordered=True
                    )
                except BaseException as error:  # the outcome belongs to the writers
                    for write in writes:
                        if not write.done.done():
                            write.done.set_exception(error)
                    if isinstance(error, asyncio.CancelledError):
                        raise
                    continue
                for write in writes:
                    if not write.done.done():
                        write.done.set_result(None)
