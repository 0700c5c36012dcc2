"""Appends first: the read models' writes give way to the appends of this process.

An append has a client waiting for it, and a live subscriber waiting behind that; the read
models do not (reads add the events they have not absorbed from the log). On a database that
does one thing at a time, as the embedded server does, a read model's write of a thousand
documents holds every append that arrives meanwhile, and the two interleaved cost it more CPU
than one after the other. So the models write in small pieces, each once no append of this
process is in flight, or once `max_wait_seconds` has passed (a steady stream of appends must
not starve them: their log tail would grow without end). When no append has come for a second
(a rebuild, a quiet service) the pieces are large: then only round trips cost.

Appends of other processes are not seen: each process orders its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
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
# With no append for a second (a rebuild, a quiet service), round trips are what costs; an
# append arriving then waits for one such piece, a fraction of a second.
_QUIET_PIECE = 250
_QUIET_SECONDS = 1.0


class WriteTurns:
    def __init__(self, max_wait_seconds: float = 1.0) -> None:
        self._max_wait_seconds = max_wait_seconds
        self._appending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_append = -_QUIET_SECONDS

    @contextlib.contextmanager
    def appending(self) -> Iterator[None]:
        """Around an append: the read models wait until it is done."""
        self._appending += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._appending -= 1
            self._last_append = time.monotonic()
            if self._appending == 0:
                self._idle.set()

    async def write_models(
        self,
        collection: AsyncCollection[Document],
        operations: Sequence[InsertOne[Document] | UpdateOne],
    ) -> None:
        """A read model's writes, unordered, each piece in its turn. The models' writes may
        be repeated (a batch redone): a document already written is no error."""
        start = 0
        while start < len(operations):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), self._max_wait_seconds)
            quiet = time.monotonic() - self._last_append >= _QUIET_SECONDS
            piece = operations[start : start + (_QUIET_PIECE if quiet else _PIECE)]
            with done_already_is_fine():
                await collection.bulk_write(piece, ordered=False)
            start += len(piece)
