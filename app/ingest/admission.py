"""How many events one process stores at once, and who waits for room.

Past the database's pace a queue of writes only makes every writer late: each waits behind all
the others, reaches the bound on its wait with an outcome it cannot know (stored or not), and
is sent again onto a longer queue. So a process takes on at most `capacity` events at a time,
first come first served; a request that finds no room within `wait_seconds` is refused with
`SERVICE_BUSY` before any of it is stored, an answer a client can act on with certainty.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

from app.errors import ServiceBusy

__all__ = ["Admission"]


class Admission:
    def __init__(self, capacity: int, wait_seconds: float) -> None:
        self._capacity = capacity
        self._wait_seconds = wait_seconds
        self._taken = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    @property
    def taken(self) -> int:
        """Events being stored now."""
        return self._taken

    @contextlib.asynccontextmanager
    async def room(self, events: int) -> AsyncIterator[None]:
        """Room for `events` for as long as the block runs; `ServiceBusy` when none comes up
        within the wait."""
        # A batch larger than the whole capacity goes alone rather than never.
        events = min(events, self._capacity)
        if self._waiting or self._taken + events > self._capacity:
            await self._wait_for(events)
        else:
            self._taken += events
        try:
            yield
        finally:
            self._give_back(events)

    async def _wait_for(self, events: int) -> None:
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (events, turn)
        self._waiting.append(entry)
        try:
            async with asyncio.timeout(self._wait_seconds):
                await turn
        except BaseException as stopped:
            if turn.done() and not turn.cancelled():
                # The room came in the same moment the wait ended: hand it on.
                self._give_back(events)
            else:
                with contextlib.suppress(ValueError):  # `_let_in` may have dropped it
                    self._waiting.remove(entry)
                # It may have stood in front of smaller requests that fit.
                self._let_in()
            if isinstance(stopped, TimeoutError):
                raise ServiceBusy(
                    f"this process is storing as many events as it takes at once "
                    f"({self._capacity:,}) and no room came up within {self._wait_seconds:g}s; "
                    "nothing of this request was stored: send it again in a moment"
                ) from None
            raise

    def _give_back(self, events: int) -> None:
        self._taken -= events
        self._let_in()

    def _let_in(self) -> None:
        while self._waiting:
            events, turn = self._waiting[0]
            if turn.done():
                # Its wait was cut short (cancelling the task cancels what it awaits).
                self._waiting.popleft()
                continue
            if self._taken + events > self._capacity:
                return
            self._waiting.popleft()
            self._taken += events
            turn.set_result(None)
