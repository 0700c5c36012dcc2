"""How much a websocket's client has not read yet, learnt from its answers to pings.

A result handed to the socket is not read: it may wait in the server's transport buffer, the
kernel's send and receive buffers, or the client's own queue, hundreds of kilobytes in all.
Counting only what the server still holds would let a client that stopped reading fall that
far behind unnoticed. graphql-transport-ws makes a client answer every `ping` with a `pong`,
in order, after reading everything sent before the ping: so the server pings every few
results and counts a result as read once the pong of a later ping has come back.
"""

from __future__ import annotations

__all__ = ["ReadReceipts"]


class ReadReceipts:
    """Results sent on one socket and not yet confirmed read by a pong."""

    def __init__(self, ping_every: int) -> None:
        self._ping_every = max(1, ping_every)
        self._sent = 0
        self._read = 0
        self._last_ping = 0
        # For each ping not answered yet: how many results had been sent before it. A list,
        # not a deque: rarely more than one is open, and every socket holds one (an empty
        # deque is 600 bytes).
        self._pings: list[int] = []

    @property
    def unread(self) -> int:
        return self._sent - self._read

    def sent(self) -> bool:
        """Count one result sent; True when a ping should follow it now."""
        self._sent += 1
        return self._sent - self._last_ping >= self._ping_every

    def pinged(self) -> None:
        """A ping goes out now, after every result counted so far."""
        self._last_ping = self._sent
        self._pings.append(self._sent)

    def ponged(self) -> None:
        """A pong came back: everything sent before the oldest open ping has been read."""
        # A pong nobody asked for (the protocol allows them as heartbeats) confirms nothing.
        if self._pings:
            self._read = self._pings.pop(0)
