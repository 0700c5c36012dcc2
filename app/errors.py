"""Errors the service answers with, shared by every edge (GraphQL and REST).

ServiceError
├── InvalidInput      bad input: names each bad field; nothing was stored
├── DatabaseUnavailable  MongoDB does not answer (in time)
├── ServiceBusy       no room for more writes now; nothing was stored
└── QueryTimeout      a read ran past its time limit in MongoDB
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "DatabaseUnavailable",
    "FieldError",
    "FieldErrors",
    "FieldPath",
    "InvalidInput",
    "KeyInUse",
    "QueryTimeout",
    "ServiceBusy",
    "ServiceError",
    "printable",
    "render_path",
]

FieldPath = tuple[str | int, ...]


def render_path(path: FieldPath) -> str:
    """`("payload", "projects", 0, "projectId")` → `payload.projects[0].projectId`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = printable(part)
            text += f".{shown}" if text else shown
    return text


def printable(text: str) -> str:
    """`text` with lone surrogates written as escapes (`\\ud800`): a client's key may hold
    one, and no UTF-8 response could carry it back in an error that names it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field of the input."""

    path: FieldPath
    message: str

    def describe(self) -> str:
        return f"{render_path(self.path)}: {self.message}" if self.path else self.message


class ServiceError(Exception):
    """Base of the errors the service reports to its clients on purpose."""

    code: ClassVar[str] = "SERVICE_ERROR"


class FieldErrors(ServiceError):
    """An error about given fields, each named with its problem; the message says them all."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(error.describe() for error in self.errors))


class InvalidInput(FieldErrors):
    """The input was rejected; nothing of it was stored."""

    code = "BAD_USER_INPUT"

    def under(
        self, *prefix: str | int, locate: Callable[[FieldPath], FieldPath] = lambda path: path
    ) -> InvalidInput:
        """The same errors, each path mapped by `locate` and put under `prefix`."""
        return InvalidInput(
            [FieldError((*prefix, *locate(e.path)), e.message) for e in self.errors]
        )

    @classmethod
    def merge(cls, failures: Iterable[InvalidInput]) -> InvalidInput:
        return cls([error for failure in failures for error in failure.errors])


class MalformedJson(InvalidInput):
    """A request body that is not JSON, or JSON this service does not read (a REST 400, where
    a well-formed body with bad fields is a 422)."""


class KeyInUse(FieldErrors):
    """An idempotency key that already names a stored event of another family: it was sent for
    something else, and nothing was stored under it now (a REST 409)."""

    code = "IDEMPOTENCY_KEY_IN_USE"


class DatabaseUnavailable(ServiceError):
    """MongoDB did not answer in time: retry later (a write may or may not have happened)."""

    code = "DATABASE_UNAVAILABLE"


class ServiceBusy(ServiceError):
    """The service is storing all the events it takes at once and no room came up in time;
    nothing of this request was stored, so it can be sent again as it is."""

    code = "SERVICE_BUSY"
    retry_after_seconds = 1


class QueryTimeout(ServiceError):
    """A read ran past its time limit in MongoDB: a filter that scans too much."""

    code = "QUERY_TIMEOUT"
