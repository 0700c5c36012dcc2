"""One attempt to deliver one message: a POST, its outcome, how long it took.

2xx is success; anything else, a timeout or a connection that failed is a failed attempt with
its reason. Redirects are not followed (a receiver that moved says so with its status), a
response's body is read only far enough to free the connection, and `Retry-After` is handed
back for the schedule to weigh (`app/outbound/schedule.py`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpcore

from app.outbound.destinations import GuardedBackend

__all__ = ["Attempt", "Sender"]

# What is read of a receiver's answer: enough to end the exchange cleanly, no more.
_MOST_READ = 64 * 1024


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver says this endpoint is no more."""
        return self.status_code == 410


class Sender:
    def __init__(self, *, allow_private: bool, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=GuardedBackend(allow_private=allow_private),
            max_connections=200,
            keepalive_expiry=30,
            retries=0,
        )

    async def close(self) -> None:
        await self._pool.aclose()

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Attempt:
        at, started = datetime.now(UTC), time.monotonic()
        status: int | None = None
        error: str | None = None
        retry_after: float | None = None
        timeouts = dict.fromkeys(("connect", "read", "write", "pool"), self._timeout)
        try:
            async with asyncio.timeout(self._timeout):
                async with self._pool.stream(
                    "POST",
                    url,
                    headers=list(headers.items()),
                    content=body,
                    extensions={"timeout": timeouts},
                ) as response:
                    status = response.status
                    retry_after = _retry_after(response.headers, at)
                    read = 0
                    async for chunk in response.aiter_stream():
                        read += len(chunk)
                        if read >= _MOST_READ:
                            break
        except TimeoutError:
            error = f"no answer within {self._timeout:g} s"
        except httpcore.TimeoutException:
            error = f"no answer within {self._timeout:g} s"
        except httpcore.ConnectError as failure:
            error = f"could not connect: {failure}" if str(failure) else "could not connect"
        except (httpcore.NetworkError, httpcore.ProtocolError) as failure:
            error = f"the connection failed: {type(failure).__name__} {failure}".strip()
        except httpcore.UnsupportedProtocol as failure:
            error = f"not a URL this service sends to: {failure}"
        duration = round((time.monotonic() - started) * 1000)
        if error is None and status is not None and not 200 <= status < 300:
            error = (
                f"HTTP {status}: a redirect, not followed"
                if 300 <= status < 400
                else f"HTTP {status}"
            )
        return Attempt(at, status, duration, error, retry_after)


def _retry_after(headers: list[tuple[bytes, bytes]], now: datetime) -> float | None:
    """`Retry-After` in seconds from now: a number of seconds, or an HTTP date."""
    for name, value in headers:
        if name.lower() != b"retry-after":
            continue
        text = value.decode("latin-1").strip()
        if text.isdigit():
            return float(text)
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    return None
