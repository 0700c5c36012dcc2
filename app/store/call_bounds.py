"""Every store call a client waits on: bounded in time and answering in the service's errors.

No call waits longer than twice the query timeout (a read, then the write it decides) plus the
MongoDB timeout, counted from the request's arrival (`arrival.py`); past it the caller is
answered DATABASE_UNAVAILABLE at once, and the operation is left to end by the driver's own
timeouts, which bound it too. When the service stops, every call under way or to come ends
within the stop's grace. The driver's own errors become the service's: a read past its
`maxTimeMS` is QUERY_TIMEOUT, a lost or unreachable server DATABASE_UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from pymongo.errors import ConnectionFailure, ExecutionTimeout

from app.errors import DatabaseUnavailable, QueryTimeout
from app.store.arrival import arrived_at

__all__ = ["CallBounds"]

_R = TypeVar("_R")

_RETRY_WITH_KEY = "a write may have happened: an idempotency key makes its retry safe"


class CallBounds:
    def __init__(self, *, timeout_seconds: float, query_seconds: float) -> None:
        self._timeout_seconds = timeout_seconds
        self._query_seconds = query_seconds
        self.longest_wait = 2 * query_seconds + timeout_seconds
        # The calls under way, each under its deadline; all cut short when the service stops.
        self._calls: set[asyncio.Timeout] = set()
        self._stop_at: float | None = None

    async def run(self, call: Callable[[], Coroutine[Any, Any, _R]]) -> _R:
        """`call()`'s result within the bound, or the service's error for why not."""
        with self.driver_errors():
            try:
                async with self._bounded():
                    task = asyncio.create_task(call())
                    try:
                        return await asyncio.shield(task)
                    except BaseException:
                        # The answer goes now; the call is left to end by the driver's own
                        # timeouts (server selection, socket), not cancelled: PyMongo's async
                        # topology, cancelled while choosing a server, was seen to stay
                        # unable to choose one after the database came back.
                        task.add_done_callback(_outcome_dropped)
                        raise
            except TimeoutError:
                if self._stop_at is not None:
                    raise DatabaseUnavailable(
                        f"the service is stopping; retry once it is back ({_RETRY_WITH_KEY})"
                    ) from None
                raise DatabaseUnavailable(
                    f"MongoDB did not answer within {self.longest_wait:g}s (busy, or "
                    f"restarting); retry later ({_RETRY_WITH_KEY})"
                ) from None

    def stopping(self, within: float) -> None:
        """The service is stopping: every call, under way or to come, ends within `within`
        seconds, answered, or refused as DATABASE_UNAVAILABLE, so no request outlives the
        stop's grace (run on the event loop's thread)."""
        self._stop_at = asyncio.get_running_loop().time() + within
        for bound in self._calls:
            when = bound.when()
            if when is None or when > self._stop_at:
                bound.reschedule(self._stop_at)

    @contextlib.contextmanager
    def driver_errors(self) -> Iterator[None]:
        try:
            yield
        except ExecutionTimeout as error:
            raise QueryTimeout(
                f"the query ran longer than {self._query_seconds:g}s in MongoDB; narrow it "
                "(filters on teamId, source, type and timestamp ranges are index-backed)"
            ) from error
        except ConnectionFailure as error:
            raise DatabaseUnavailable(
                f"MongoDB did not answer within {self._timeout_seconds:g}s; retry later "
                f"({_RETRY_WITH_KEY})"
            ) from error

    @contextlib.asynccontextmanager
    async def _bounded(self) -> AsyncIterator[asyncio.Timeout]:
        loop = asyncio.get_running_loop()
        start = arrived_at()
        deadline = (loop.time() if start is None else start) + self.longest_wait
        if self._stop_at is not None:
            deadline = min(deadline, self._stop_at)
        async with asyncio.timeout_at(deadline) as bound:
            self._calls.add(bound)
            try:
                yield bound
            finally:
                self._calls.discard(bound)


def _outcome_dropped(call: asyncio.Task[Any]) -> None:
    """A call nobody waits for any more: its outcome is dropped, not reported as lost."""
    if not call.cancelled():
        call.exception()
