"""Reading the named fields out of a tool's own JSON: values at paths, the first path that
holds one, and times (a bad one noted against its path).

For the webhook families, whose bodies are the tools' own documents: each says where in them
its events keep a repository, a commit, a time; these read them the same way for all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.intake.common import BodyFields
from app.timestamps import parse_event_time

__all__ = ["Path", "Reading", "at", "branch_name", "first_text", "text_at", "time_at"]

# Keys of nested objects, and indexes of arrays.
Path = tuple[str | int, ...]
Body = Mapping[str, Any]


def _nothing(body: Body) -> str | None:
    return None


@dataclass(frozen=True)
class Reading:
    """Where one kind of a tool's deliveries keeps the named fields: the first of its paths
    that holds a value wins. `commit` and `action` are rules where a value needs one (a deleted
    branch's zero SHA, a merged pull request); `time_of` gives the time's paths where they
    depend on the body (the pushed head among the commits)."""

    time: tuple[Path, ...] = ()
    commit: Callable[[Body], str | None] = _nothing
    branch: tuple[Path, ...] = ()
    object: tuple[Path, ...] = ()
    environment: tuple[Path, ...] = ()
    action: Callable[[Body], str | None] = _nothing
    time_of: Callable[[Body], tuple[Path, ...]] | None = None

    def time_paths(self, body: Body) -> tuple[Path, ...]:
        return self.time if self.time_of is None else self.time_of(body)


def at(body: Any, path: Path) -> Any:
    """The value at `path`; None where the path leads nowhere."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(body, Sequence) or isinstance(body, str):
                return None
            body = body[step] if -len(body) <= step < len(body) else None
        elif isinstance(body, Mapping):
            body = body.get(step)
        else:
            return None
    return body


def text_at(body: Any, path: Path) -> str | None:
    """The text at `path`; None where it is missing, empty or not text."""
    value = at(body, path)
    return value if isinstance(value, str) and value else None


def first_text(body: Any, paths: tuple[Path, ...]) -> str | None:
    """The first value of `paths` that is text or a whole number, as text: numbers (a pull
    request's, a deployment's id) are compared by filters as the text they read as."""
    for path in paths:
        value = at(body, path)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value:
            return value
    return None


def time_at(
    fields: BodyFields,
    paths: tuple[Path, ...],
    parse: Callable[[str], datetime] = parse_event_time,
) -> datetime | None:
    """The time at the first of `paths` that holds a value; a value that is not one is noted
    against its path in `fields`, and None comes back."""
    for path in paths:
        value = at(fields.body, path)
        if value is None:
            continue
        if not isinstance(value, str):
            fields.fail(path, "must be a timestamp string")
            return None
        try:
            return parse(value)
        except ValueError as error:
            fields.fail(path, str(error))
            return None
    return None


def branch_name(ref: str | None) -> str | None:
    """The branch a ref names (`refs/heads/main` or `main`); None for a tag."""
    if ref is None or ref.startswith("refs/tags/"):
        return None
    return ref.removeprefix("refs/heads/") or None
