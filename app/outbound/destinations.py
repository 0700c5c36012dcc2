"""Where a webhook may send: not to the service's own network.

A webhook's URL is chosen by whoever holds a token, and the service sends from inside the
network it runs in: a URL on loopback, a private or link-local address (a cloud's metadata
service, 169.254.169.254, is link-local), or any address not globally routable would let a
caller reach what only the service can. So a destination is https, on a name or address that
is globally routable, unless `EVENTSTORE_WEBHOOK_ALLOW_PRIVATE` says otherwise (a service that
delivers inside its own network, and the tests' receivers on loopback). The rule is checked
when a webhook is made or changed (a name that does not resolve yet is taken), and again on
every connection (`GuardedBackend`): a name can resolve elsewhere by then, so the address
connected to is the one checked.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpcore

__all__ = ["GuardedBackend", "refusal"]

_MAX_URL = 2048


def _not_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def _addresses(host: str, port: int) -> list[str]:
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(entry[4][0]) for entry in found))


async def refusal(url: str, *, allow_private: bool) -> str | None:
    """Why a webhook may not send to `url` (a message for its field), or None."""
    if len(url) > _MAX_URL:
        return f"must be at most {_MAX_URL} characters"
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        return f"is not a URL ({error})"
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        return "must be an https URL" if not allow_private else "must be an http or https URL"
    host = parts.hostname
    if not host:
        return "must name a host"
    if allow_private:
        return None
    try:
        addresses = await _addresses(host, port)
    except OSError:
        # Not yet, perhaps: each connection checks where the name leads by then.
        return None
    private = [address for address in addresses if _not_public(address)]
    if private:
        return (
            f"resolves to {private[0]}, an address on a private, loopback or link-local "
            "network (EVENTSTORE_WEBHOOK_ALLOW_PRIVATE allows it)"
        )
    return None


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the rule allows, checking the address it connects to."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await _addresses(host, port)
        except OSError as error:
            raise httpcore.ConnectError(f"{host} does not resolve: {error}") from error
        if not self._allow_private:
            private = [address for address in addresses if _not_public(address)]
            if private:
                raise httpcore.ConnectError(
                    f"{host} resolves to {private[0]}, a private address: not connected"
                )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure or httpcore.ConnectError(f"{host} has no address")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
