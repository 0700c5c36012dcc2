"""What the bus needs from whatever carries its messages: one channel, messages of bytes.

A transport never resumes by itself after losing its subscription: messages published
meanwhile would be lost unseen. It raises instead, and the bus reports the failure and builds
a new transport.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

__all__ = ["BusTransport"]


class BusTransport(ABC):
    """Publishes to one channel and receives what is published there, this process's too."""

    @abstractmethod
    async def connect(self) -> None:
        """Reach the far side; raises if it cannot be reached."""

    @abstractmethod
    async def subscribe(self) -> None:
        """Subscribe to the channel; once this returns, every later publish is received."""

    @abstractmethod
    async def publish(self, message: bytes) -> None:
        """Send `message` to every subscriber of the channel; raises if it cannot be sent."""

    @abstractmethod
    async def receive(self) -> bytes:
        """The next message published on the channel.

        Raises once the subscription is lost, rather than wait for messages that will never
        come: the transport is then spent, and only `disconnect` is left to call.
        """

    @abstractmethod
    async def disconnect(self) -> None:
        """Close everything, even when the far side is gone; closing twice is harmless."""
