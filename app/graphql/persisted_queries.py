"""Automatic persisted queries, as Apollo's persisted-queries link speaks them.

A client sends only the SHA-256 of a query it has sent before; told the service does not
know it, it sends the query with the hash once, and the service keeps it. The hash is checked
against the query, so one client cannot plant a different query under a known hash. The
store is bounded (least recently used first out): a client sending ever new queries costs a
fixed amount of memory, and a forgotten query is simply asked for again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from graphql import GraphQLError

__all__ = ["PersistedQueries", "PersistedQueryError"]

_VERSION = 1


class PersistedQueryError(Exception):
    """The request cannot run as sent; `error` is what the client is told."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.error = GraphQLError(message, extensions={"code": code})


class PersistedQueries:
    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._queries: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The query to run: `query` itself, or the one kept under the request's hash."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            return query
        if not isinstance(persisted, dict) or persisted.get("version") != _VERSION:
            raise PersistedQueryError(
                "extensions.persistedQuery: only version 1 (a sha256Hash) is supported",
                "PERSISTED_QUERY_NOT_SUPPORTED",
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str):
            raise PersistedQueryError(
                "extensions.persistedQuery.sha256Hash: must be the query's SHA-256, in hex",
                "BAD_USER_INPUT",
            )
        digest = digest.lower()
        if query is None:
            known = self._queries.get(digest)
            if known is None:
                # The message and code Apollo's link looks for before sending the query.
                raise PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            self._queries.move_to_end(digest)
            return known
        if hashlib.sha256(query.encode(errors="surrogatepass")).hexdigest() != digest:
            raise PersistedQueryError(
                "extensions.persistedQuery.sha256Hash: provided sha does not match query",
                "BAD_USER_INPUT",
            )
        self._queries[digest] = query
        self._queries.move_to_end(digest)
        if len(self._queries) > self._size:
            self._queries.popitem(last=False)
        return query
