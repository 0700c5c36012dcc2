"""Writes that may be repeated (a batch redone after a crash, or by a second process)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from pymongo.errors import BulkWriteError

__all__ = ["done_already_is_fine"]

_DUPLICATE_KEY = 11000


@contextlib.contextmanager
def done_already_is_fine() -> Iterator[None]:
    """A bulk write whose only refusals are duplicate keys: those parts were written before."""
    try:
        yield
    except BulkWriteError as error:
        details = error.details
        others = [e for e in details.get("writeErrors", []) if e.get("code") != _DUPLICATE_KEY]
        if others or details.get("writeConcernErrors"):
            raise
