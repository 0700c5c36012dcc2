"""What a read model is to the projection that keeps it: a collection of its own (named by its
prefix and the models' generation), indexes made once, and each batch of the log absorbed in
order. A new model is a class with these, and its line in `projection.py`'s list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

from pymongo.asynchronous.collection import AsyncCollection

from app.store.write_turns import WriteTurns

__all__ = ["ReadModel"]


class ReadModel(Protocol):
    collection_prefix: ClassVar[str]

    def __init__(self, collection: AsyncCollection[dict[str, Any]], turns: WriteTurns) -> None: ...

    async def prepare(self) -> None:
        """Make the model's indexes (each start; making one that exists is free)."""

    async def absorb(self, events: Sequence[Mapping[str, Any]], *, upto: int) -> None:
        """Add `events`, a batch of the log ending at sequence number `upto`; a batch may be
        absorbed again after a crash, so doing it twice must change nothing."""
