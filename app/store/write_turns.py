"""Appends first: the read models' writes give way to the appends of this process.

An append has a client waiting for it, and a live subscriber waiting behind that; the read
models do not (reads add the events they have not absorbed from the log). On a database that
does one thing at a time, as the embedded server does, a read model's write of a thousand
documents holds every append that arrives meanwhile, and the two interleaved cost it more CPU
than one after the other. So the models write in small pieces, each once no append of this
process is in flight, or once `max_wait_seconds` has passed (a steady stream of appends must
not starve them: their log tail would grow without end).

Appends of other processes are not seen: each process orders its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from app.store.repeated_writes import done_already_is_fine

__all__ = ["WriteTurns"]

Document = dict[str, Any]
# Small enough that an append arriving in the middle of a piece waits little (a few dozen
# milliseconds on the embedded server), large enough that round trips stay few.
_PIECE = 16


class WriteTurns:
    def __init__(self, max_wait_seconds: float = 1.0) -> None:
        self._max_wait_seconds = max_wait_seconds
        self._appending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def appending(self) -> Iterator[None]:
        """Around an append: the read models wait until it is done."""
        self._appending += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._appending -= 1
            if self._appending == 0:
                self._idle.set()

    async def write_models(
        self,
        collection: AsyncCollection[Document],
        operations: Sequence[InsertOne[Document] | UpdateOne],
    ) -> None:
        """A read model's writes, unordered, each piece in its turn. The models' writes may
        be repeated (a batch redone): a document already written is no error."""
        for start in range(0, len(operations), _PIECE):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), self._max_wait_seconds)
            with done_already_is_fine():
                await collection.bulk_write(operations[start : start + _PIECE], ordered=False)
