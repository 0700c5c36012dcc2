"""Where a large GraphQL document is parsed, measured and validated: one worker thread.

A document of a few KB costs tens of milliseconds to parse and validate (a 22 KB one, 17 ms
to parse and 12 to validate), all of it Python holding the event loop that every other client
and every live delivery waits on: a client sending such documents back to back kept the loop
94% busy, and a subscriber's p99 went from 20 to 383 ms. On the worker, the loop gets the
interpreter back every switch interval (5 ms) instead of after each document, and one thread
for all of them means one client's flood queues behind itself, not beside the loop many times
over. Small documents, nearly all of them, stay on the loop: a thread hop costs more than they do.
"""

from __future__ import annotations

import asyncio
import functools
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["LARGE_DOCUMENT", "document_work"]

LARGE_DOCUMENT = 2000
"""Characters from which a document's work leaves the loop (GraphiQL's introspection query is
~2,500; a script's mutation a few hundred)."""

_P = ParamSpec("_P")
_R = TypeVar("_R")


class _Pace:
    """The worker takes at most half of the interpreter, however many documents wait: before
    it starts on another request's document, it rests as long as it computed for the last
    request (its own CPU time, not the time it waited for the interpreter). A request's own
    steps (parse, measure, validate) follow each other without a rest, and a rest already
    spent waiting for the next request is not taken again, so a document is not answered
    later than its own work, and the loop keeps the rest of the interpreter."""

    def __init__(
        self,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.perf_counter,
        computed: Callable[[], float] = time.thread_time,
    ) -> None:
        self._sleep, self._now, self._computed = sleep, now, computed
        self._request: weakref.ref[asyncio.Task[object]] | None = None
        self._owed = 0.0
        self._resume_at = 0.0

    def run(self, request: asyncio.Task[object] | None, work: Callable[[], _R]) -> _R:
        if request is None or self._request is None or self._request() is not request:
            rest = self._resume_at - self._now()
            if rest > 0:
                self._sleep(rest)
            self._request = None if request is None else weakref.ref(request)
            self._owed = 0.0
        computing = self._computed()
        try:
            return work()
        finally:
            self._owed += self._computed() - computing
            self._resume_at = self._now() + self._owed


_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-documents")
_PACE = _Pace()  # used on the worker's one thread only


async def document_work(
    query: str, work: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs
) -> _R:
    """`work(*args, **kwargs)` for the document `query`: on the worker when it is large."""
    if len(query) < LARGE_DOCUMENT:
        return work(*args, **kwargs)
    loop = asyncio.get_running_loop()
    request = asyncio.current_task()
    return await loop.run_in_executor(
        _WORKER, _PACE.run, request, functools.partial(work, *args, **kwargs)
    )
