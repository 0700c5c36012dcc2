"""What a push says of the commits it brought to its branch, read alike for the tools whose
push webhooks list them (`before`, and each commit's `id` and `timestamp`).

Lead time counts each commit a deployment brings from that commit's own time: a push lists
the commits it brought, and the commit its branch was at before, through which the pushes
before it are found (`app/insights/changes.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["NO_COMMIT", "Pushed", "read_push"]

# A push's `before` for a new branch (and its `after` when it deleted one).
NO_COMMIT = "0" * 40


@dataclass(frozen=True)
class Pushed:
    """The commit a push left its branch at (`head`), each commit it brought with that commit's
    own time, and the commit the branch was at before (`before`; None for a new branch, or
    after a forced push, whose branch need not descend from it)."""

    head: str
    commits: tuple[tuple[str, datetime], ...]
    before: str | None


def read_push(
    body: Any,
    head: Any,
    parse: Callable[[str], datetime],
    *,
    forced: bool = False,
) -> Pushed | None:
    """A push's body (`before`, `commits` with each one's `id` and `timestamp`) and the
    commit it is stored with; None when it names no commit. A commit listed without a time
    that reads is left out: it still counts through the push's head when it is the head."""
    if not isinstance(head, str) or not isinstance(body, Mapping):
        return None
    listed = body.get("commits")
    commits: list[tuple[str, datetime]] = []
    for commit in listed if isinstance(listed, list) else ():
        if not isinstance(commit, Mapping):
            continue
        sha, written = commit.get("id"), commit.get("timestamp")
        if isinstance(sha, str) and isinstance(written, str):
            try:
                commits.append((sha, parse(written)))
            except ValueError:
                continue
    before = body.get("before")
    follows = isinstance(before, str) and before != NO_COMMIT and not forced
    return Pushed(head, tuple(commits), before if follows else None)
