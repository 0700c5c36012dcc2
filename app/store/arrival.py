"""When the request being answered arrived: the store's bound on waiting runs from there.

A request may call the store several times (a lookup, then the write; a count, then a page),
and may wait for room before it (`app.ingest.admission`) or for the event loop: bounding each
call on its own would let the request as a whole wait a multiple of the bound. The HTTP edge
marks each request's arrival; a call made outside one (a websocket's operation, the service's
own work) is bounded from its own start, and so is each call of a stream (a subscription over
Server-Sent Events answers for as long as its client listens).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

__all__ = ["arrived_at", "arriving", "streaming"]

_arrived_at: ContextVar[float | None] = ContextVar("arrived_at", default=None)


@contextlib.contextmanager
def arriving() -> Iterator[None]:
    """Around the answer to one request, which arrives now (on the event loop's clock)."""
    token = _arrived_at.set(asyncio.get_running_loop().time())
    try:
        yield
    finally:
        _arrived_at.reset(token)


def arrived_at() -> float | None:
    """When the request being answered arrived; None outside a request."""
    return _arrived_at.get()


def streaming() -> None:
    """The request being answered is a stream: from here on each of its calls is bounded
    from its own start."""
    _arrived_at.set(None)
