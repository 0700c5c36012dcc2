"""Sorting and keyset pagination: the order of a page and the opaque cursors into it.

A cursor carries the sort values of the event it points at plus its sequence number, the
tie-breaker that makes every order total and stable. Paging uses no `skip`: the next page is
"after these values", which stays right however many events arrive meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from bson import json_util
from bson.errors import InvalidBSON

from app.errors import FieldError, InvalidInput

__all__ = ["Cursor", "SortKey", "after_clause", "decode_cursor", "encode_cursor", "sort_spec"]


@dataclass(frozen=True)
class SortKey:
    """Sort by a stored field (a dotted path into the document)."""

    path: str
    descending: bool = True


@dataclass(frozen=True)
class Cursor:
    values: tuple[Any, ...]
    seq: int


def _signature(sort: tuple[SortKey, ...]) -> str:
    return ",".join(("-" if key.descending else "+") + key.path for key in sort)


def sort_spec(sort: tuple[SortKey, ...]) -> list[tuple[str, int]]:
    """The MongoDB sort, made total by the sequence number (in the last key's direction)."""
    tie_descending = sort[-1].descending if sort else True
    spec = [(key.path, -1 if key.descending else 1) for key in sort]
    spec.append(("seq", -1 if tie_descending else 1))
    return spec


def encode_cursor(sort: tuple[SortKey, ...], values: tuple[Any, ...], seq: int) -> str:
    text = json_util.dumps({"k": _signature(sort), "v": list(values), "s": seq})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(sort: tuple[SortKey, ...], token: str) -> Cursor:
    """The cursor `token` stands for; it must have been made for the same sort."""
    try:
        padded = token + "=" * (-len(token) % 4)
        content = json_util.loads(base64.urlsafe_b64decode(padded.encode()))
        values, seq, signature = tuple(content["v"]), int(content["s"]), content["k"]
    except (binascii.Error, ValueError, KeyError, TypeError, InvalidBSON, json.JSONDecodeError):
        raise InvalidInput([FieldError(("after",), "is not a cursor this service made")]) from None
    if signature != _signature(sort) or len(values) != len(sort):
        raise InvalidInput(
            [FieldError(("after",), "was made for a different sort; pass the same sort")]
        )
    return Cursor(values, seq)


def after_clause(sort: tuple[SortKey, ...], cursor: Cursor) -> dict[str, Any]:
    """A MongoDB condition selecting what comes after `cursor` in `sort` order."""
    keys = [(key.path, key.descending) for key in sort]
    keys.append(("seq", sort[-1].descending if sort else True))
    values = (*cursor.values, cursor.seq)
    branches: list[dict[str, Any]] = []
    for index, (path, descending) in enumerate(keys):
        branch: dict[str, Any] = {keys[i][0]: values[i] for i in range(index)}
        branch[path] = {"$lt" if descending else "$gt": values[index]}
        branches.append(branch)
    return branches[0] if len(branches) == 1 else {"$or": branches}
