"""What carries the bus's messages: memory within one process, Redis between processes."""

from app.live.bus_transports.base import BusTransport
from app.live.bus_transports.memory import MemoryTransport
from app.live.bus_transports.redis import RedisTransport

__all__ = ["BusTransport", "MemoryTransport", "RedisTransport", "transport_for"]


def transport_for(url: str, channel: str) -> BusTransport:
    """The transport the bus URL names: `redis://` or `rediss://` (TLS), else memory."""
    if url.startswith(("redis://", "rediss://")):
        return RedisTransport(url, channel)
    return MemoryTransport()
