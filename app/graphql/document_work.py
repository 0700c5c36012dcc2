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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["LARGE_DOCUMENT", "document_work"]

LARGE_DOCUMENT = 2000
"""Characters from which a document's work leaves the loop (GraphiQL's introspection query is
~2,500; a script's mutation a few hundred)."""

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphql-documents")

_P = ParamSpec("_P")
_R = TypeVar("_R")


async def document_work(
    query: str, work: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs
) -> _R:
    """`work(*args, **kwargs)` for the document `query`: on the worker when it is large."""
    if len(query) < LARGE_DOCUMENT:
        return work(*args, **kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_WORKER, _paced, functools.partial(work, *args, **kwargs))


def _paced(work: Callable[[], _R]) -> _R:
    """`work()`, then as long again without the interpreter: the worker takes at most half
    of it, however many large documents wait, and the loop the rest."""
    started = time.perf_counter()
    try:
        return work()
    finally:
        time.sleep(time.perf_counter() - started)
