"""The idempotency keys a batch's events are stored under: the batch's key and each index.

Kept per event, so the unique index that guards single events guards batches too: a retry,
or a second attempt racing the first, cannot store an event of the batch twice. The parts
are joined by a control character, which no client key holds (`app.access.scoped_key`
refuses them), so a batch's keys never meet a single event's, and all of one batch's keys
lie in one range of the index.
"""

from __future__ import annotations

__all__ = ["batch_index", "batch_key_range", "batch_keys"]

_JOIN = "\x1f"


def batch_keys(key: str | None, count: int) -> list[str | None]:
    if key is None:
        return [None] * count
    return [f"{key}{_JOIN}{index}" for index in range(count)]


def batch_key_range(key: str) -> tuple[str, str]:
    """[low, high): every key of the batch stored under `key`, and nothing else."""
    prefix = f"{key}{_JOIN}"
    return prefix, prefix[:-1] + chr(ord(_JOIN) + 1)


def batch_index(stored_key: str) -> int:
    return int(stored_key.rsplit(_JOIN, 1)[1])
