"""The named fields: the normalised fields every stored event may have, in one table.

Each family's intake fills them from its own shape; the store keeps them under `name`; filters,
sorts, the GraphQL `EventFilter` input, the union members and the REST shapes read this table
rather than keeping their own lists. A new named field is one row here (and the intake that
fills it).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["NAMED_FIELDS", "FieldKind", "NamedField", "named_field"]


class FieldKind(Enum):
    TEXT = "text"
    TIME = "time"


@dataclass(frozen=True)
class NamedField:
    """One normalised field.

    `name` is how the store, filters and GraphQL spell it; `attribute` is the event model's
    attribute (snake_case, which strawberry turns back into `name`); `cto_name` is its name in a
    CTO.ai body and in CTO.ai's REST shapes, when it has one there. `required` fields are on
    every event (the rest are left out of a document when the event has no value).
    """

    name: str
    attribute: str
    kind: FieldKind
    cto_name: str | None = None
    required: bool = False


NAMED_FIELDS: tuple[NamedField, ...] = (
    NamedField("source", "source", FieldKind.TEXT, required=True),
    NamedField("type", "type", FieldKind.TEXT, cto_name="event_name", required=True),
    NamedField("action", "action", FieldKind.TEXT, cto_name="event_action"),
    NamedField("teamId", "team_id", FieldKind.TEXT, cto_name="team_id"),
    NamedField("repo", "repo", FieldKind.TEXT, cto_name="repo"),
    NamedField("branch", "branch", FieldKind.TEXT, cto_name="branch"),
    NamedField("commit", "commit", FieldKind.TEXT, cto_name="commit"),
    NamedField("actor", "actor", FieldKind.TEXT),
    NamedField("object", "object", FieldKind.TEXT),
    NamedField("environment", "environment", FieldKind.TEXT),
    NamedField("timestamp", "timestamp", FieldKind.TIME, cto_name="timestamp", required=True),
    NamedField("receivedAt", "received_at", FieldKind.TIME, cto_name="received_at", required=True),
)

_BY_NAME = {field.name: field for field in NAMED_FIELDS}


def named_field(name: str) -> NamedField | None:
    """The named field stored as `name`, or None for any other path."""
    return _BY_NAME.get(name)
