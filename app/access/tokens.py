"""Who is calling: API tokens, each bound to one team or marked admin.

With no tokens configured the service is open (every caller is an admin): for local use only,
and it says so loudly at start-up.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.access.caller import Caller
from app.config import Settings
from app.errors import ServiceError

__all__ = ["BEARER_CHALLENGE", "Forbidden", "TokenRegistry", "Unauthenticated"]

log = logging.getLogger(__name__)

ADMIN = "*"


class Unauthenticated(ServiceError):
    """No token, or one this service does not know (HTTP 401, websocket 4401)."""

    code = "UNAUTHENTICATED"


# RFC 6750: a 401 names the scheme the caller should use, on every endpoint alike.
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="eventstore"'}


class Forbidden(ServiceError):
    """A known token asking for another team's events (HTTP 403; on a websocket, that
    subscription's `error`)."""

    code = "FORBIDDEN"


class TokenRegistry:
    """The configured tokens, kept only as SHA-256 digests."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._callers = {
            _digest(token): Caller(team_id=None if team == ADMIN else team, admin=team == ADMIN)
            for token, team in tokens.items()
        }

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenRegistry:
        lines = (settings.tokens or "").split(",")
        if settings.tokens_file is not None:
            lines += Path(settings.tokens_file).read_text().splitlines()
        tokens: dict[str, str] = {}
        for number, line in enumerate(lines, start=1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            token, separator, team = (part.strip() for part in text.partition("="))
            if not separator or not token or not team:
                raise ValueError(f"API token entry {number} is not `token=team` (or `token=*`)")
            tokens[token] = team
        registry = cls(tokens)
        if registry.open:
            log.warning(
                "NO API TOKENS ARE CONFIGURED: anyone who can reach this service can read and "
                "write every team's events. Set EVENTSTORE_TOKENS or EVENTSTORE_TOKENS_FILE."
            )
        return registry

    @property
    def open(self) -> bool:
        return not self._callers

    def from_authorization(self, header: str | None) -> Caller:
        """The caller an `Authorization: Bearer <token>` header stands for."""
        if self.open:
            return Caller.open_access()
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send an API token: `Authorization: Bearer <token>`")
        return self._known(token.strip())

    def from_connection_params(self, params: Mapping[str, Any] | None) -> Caller:
        """The caller of a websocket, from its `connection_init` payload.

        Clients put the token where their library lets them: `Authorization` (as the header),
        `authorization`, `authToken` or `token`.
        """
        params = params or {}
        for key in ("Authorization", "authorization"):
            if isinstance(params.get(key), str):
                return self.from_authorization(params[key])
        for key in ("authToken", "token"):
            if isinstance(params.get(key), str):
                return self.from_authorization(f"Bearer {params[key]}")
        return self.from_authorization(None)

    def _known(self, token: str) -> Caller:
        caller = self._callers.get(_digest(token))
        if caller is None:
            raise Unauthenticated("this API token is not valid")
        return caller


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
