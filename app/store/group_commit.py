"""Group commit: single appends that arrive together share one sequence allocation and one insert.

Alone, every event pays two durable round trips (the sequence counter, then the insert), and
concurrent appends queue on the one counter document. Here appends wait in line while a group
is being written and the next group takes all of them: an append on an idle service is written
at once, a busy service writes bigger groups. No timer, so no latency is added.

Each event keeps its own outcome: a group is inserted unordered, and a document the database
refuses (a repeated idempotency key) fails only its own append.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError

__all__ = ["GroupCommit"]

Document = dict[str, Any]
_DUPLICATE_KEY = 11000


@dataclass(frozen=True)
class _Append:
    build: Callable[[int], Document]
    written: asyncio.Future[Document]


class GroupCommit:
    def __init__(
        self,
        collection: AsyncCollection[Document],
        positions: Callable[[int], AbstractAsyncContextManager[range]],
        *,
        max_group: int = 1000,
    ) -> None:
        self._collection = collection
        self._positions = positions
        self._max_group = max_group
        self._waiting: deque[_Append] = deque()
        self._writer: asyncio.Task[None] | None = None

    async def write(self, build: Callable[[int], Document]) -> Document:
        """Insert the document `build` makes for the sequence number it is given; return it.

        Raises what the database raised for this document (`DuplicateKeyError` for a
        repeated unique key, with the refused document as `details["op"]`) or for its whole
        group.
        """
        written: asyncio.Future[Document] = asyncio.get_running_loop().create_future()
        # Read the outcome even if the caller left, so it is not logged as never retrieved.
        written.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._waiting.append(_Append(build, written))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="group-commit")
        # A caller that gives up does not stop its group: the event may still be stored,
        # as with any write whose answer was not awaited.
        return await asyncio.shield(written)

    async def close(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(BaseException):
                await self._writer

    async def _write_waiting(self) -> None:
        while self._waiting:
            count = min(len(self._waiting), self._max_group)
            group = [self._waiting.popleft() for _ in range(count)]
            try:
                await self._write_group(group)
            except BaseException as error:  # the group's outcome belongs to its callers
                for append in group:
                    _settle(append.written, error=error)
                if isinstance(error, asyncio.CancelledError):
                    while self._waiting:  # nobody is left to write them
                        _settle(self._waiting.popleft().written, error=error)
                    raise

    async def _write_group(self, group: list[_Append]) -> None:
        failures: dict[int, Exception] = {}
        async with self._positions(len(group)) as seqs:
            documents = [append.build(seq) for append, seq in zip(group, seqs, strict=True)]
            try:
                await self._collection.insert_many(documents, ordered=False)
            except BulkWriteError as error:
                if error.details.get("writeConcernErrors"):
                    raise
                failures = {
                    failure["index"]: _write_error(failure, documents[failure["index"]])
                    for failure in error.details.get("writeErrors", [])
                }
        for index, (append, document) in enumerate(zip(group, documents, strict=True)):
            _settle(append.written, result=document, error=failures.get(index))


def _write_error(failure: dict[str, Any], document: Document) -> Exception:
    """The exception `insert_one` would have raised, with the refused document as `op`."""
    kind = DuplicateKeyError if failure.get("code") == _DUPLICATE_KEY else WriteError
    return kind(failure.get("errmsg", ""), failure.get("code"), {**failure, "op": document})


def _settle(
    future: asyncio.Future[Document],
    *,
    result: Document | None = None,
    error: BaseException | None = None,
) -> None:
    if future.done():
        return
    if isinstance(error, asyncio.CancelledError):
        future.cancel()
    elif error is not None:
        future.set_exception(error)
    elif result is not None:
        future.set_result(result)
