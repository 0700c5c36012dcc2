"""Opaque cursors: a position in one sort order, signed with the database's own key.

A cursor carries the sort values of the event it points at and its sequence number. Clients
cannot forge one (the values become query operands) and one made against another database
(a reset, a restore elsewhere, another environment) is refused rather than misread: the key
lives in the database, so every process sharing it shares the key, and no setting is needed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import secrets
from typing import Any

from bson import Binary, json_util
from bson.errors import InvalidBSON
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from app.errors import FieldError, InvalidInput
from app.store.paging import Cursor, SortKey

__all__ = ["CursorCodec", "stored_cursor_key"]

_MAC_BYTES = 16


async def stored_cursor_key(keys: AsyncCollection[dict[str, Any]]) -> bytes:
    """The key cursors are signed with, made once per database and kept in it."""
    # Already made, maybe by another process starting now: then the insert is refused.
    with contextlib.suppress(DuplicateKeyError):
        await keys.insert_one({"_id": "cursors", "key": Binary(secrets.token_bytes(32))})
    document = await keys.find_one({"_id": "cursors"})
    if document is None:
        raise RuntimeError("the cursor key could not be stored")
    return bytes(document["key"])


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, sort: tuple[SortKey, ...], values: tuple[Any, ...], seq: int) -> str:
        payload = json_util.dumps({"k": _order_of(sort), "v": list(values), "s": seq}).encode()
        return f"{_text(payload)}.{_text(self._mac(payload))}"

    def decode(self, sort: tuple[SortKey, ...], token: str) -> Cursor:
        """The position `token` stands for; it must have been made for the same sort."""
        content = self._verified(token)
        try:
            values, seq, order = tuple(content["v"]), int(content["s"]), content["k"]
        except (KeyError, TypeError, ValueError):
            raise _not_ours() from None
        if order != _order_of(sort) or len(values) != len(sort):
            raise InvalidInput(
                [FieldError(("after",), "was made for a different sort; pass the same sort")]
            )
        return Cursor(values, seq)

    def seq(self, token: str) -> int:
        """The sequence number of any cursor of this database, whatever its sort.

        Live subscriptions resume from it.
        """
        try:
            return int(self._verified(token)["s"])
        except (KeyError, TypeError, ValueError):
            raise _not_ours() from None

    def _verified(self, token: str) -> Any:
        text, _, mac = token.partition(".")
        try:
            payload, given = _bytes(text), _bytes(mac)
        except (binascii.Error, ValueError):
            raise _not_ours() from None
        if not hmac.compare_digest(given, self._mac(payload)):
            raise _not_ours()
        try:
            return json_util.loads(payload)
        except (ValueError, InvalidBSON, json.JSONDecodeError):
            raise _not_ours() from None

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _order_of(sort: tuple[SortKey, ...]) -> str:
    return ",".join(("-" if key.descending else "+") + key.path for key in sort)


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bytes(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


def _not_ours() -> InvalidInput:
    return InvalidInput(
        [FieldError(("after",), "is not a cursor of this event store (or of its database)")]
    )
