"""Stored events as CloudEvents 1.0 in the JSON format, one by one or as a batch body.

Every stored event can be read as a CloudEvent, whichever tool sent it:

- `specversion` is `1.0`, `datacontenttype` is `application/json`, and `data` is the event
  exactly as its sender sent it (the stored `raw`).
- `eventstoreid`, an extension attribute, is the event's id in this store on every event: for
  an event that arrived as a CloudEvent the `id` is the sender's, and this is how a reader
  finds the event here.
  It is the only extension added; ordering (`seq`) stays an internal matter of cursors.
- A family whose tool does not speak CloudEvents declares a `type` prefix and what its
  `subject` is (`CloudEventsOut` in its declaration): `type` is the prefix followed by the
  event's type, and by `.` and its action when there is one (`<prefix>.deployment.succeeded`);
  `source` is `/eventstore/teams/<team id>/<family>` (the family's source in lower case),
  `id` the stored id, `time` the event's time, and `subject` as the family says, if any.
- A family that arrives as CloudEvents gives back the attributes it arrived with (its
  declaration says how it fills any that are missing).

Names in a `type` are written in lower case, each run of characters other than letters a-z,
digits, `_` and `-` replaced by one `-`, so that a `type` is one dot-separated word per part
and can be matched by prefix. A team id in a `source` is percent-encoded, and `-` stands for an
event stored without a team. Times are RFC 3339 in UTC with milliseconds (`…T05:45:44.000Z`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from app.events import StoredEvent
from app.families import FAMILIES, Family
from app.timestamps import format_utc

__all__ = ["cloudevent_of", "cloudevents_batch"]

_NOT_IN_A_WORD = re.compile(r"[^a-z0-9_-]+")
Attributes = Callable[[StoredEvent], dict[str, Any]]


def cloudevent_of(event: StoredEvent) -> dict[str, Any]:
    """Any stored event as a CloudEvent in the JSON format (see the module's mapping)."""
    attributes = _ATTRIBUTES[event.source](event)
    attributes["eventstoreid"] = event.id
    return {**attributes, "data": event.raw}


def cloudevents_batch(events: Iterable[StoredEvent]) -> bytes:
    """The body of an `application/cloudevents-batch+json` answer holding `events`."""
    # ASCII escapes: a stored string can never make the body unencodable.
    return json.dumps([cloudevent_of(event) for event in events], separators=(",", ":")).encode()


def _attributes_of(family: Family) -> Attributes:
    out = family.cloudevents
    if out.attributes is not None:
        return out.attributes
    if out.type_prefix is None:
        # Without either, the family's events would go out under no `type` at all.
        raise RuntimeError(f"{family.source} declares neither a CloudEvents type nor attributes")
    prefix, subject, segment = out.type_prefix, out.subject, family.source.lower()

    def attributes(event: StoredEvent) -> dict[str, Any]:
        return _own_attributes(event, prefix, subject(event), segment)

    return attributes


def _own_attributes(
    event: StoredEvent, prefix: str, subject: str | None, segment: str
) -> dict[str, Any]:
    """The attributes of an event from a tool that does not speak CloudEvents itself."""
    words = [event.type] if event.action is None else [event.type, event.action]
    team = quote(event.team_id, safe="") if event.team_id else "-"
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.id,
        "source": f"/eventstore/teams/{team}/{segment}",
        "type": ".".join([prefix, *(_word(text) for text in words)]),
        "time": format_utc(event.timestamp),
        "datacontenttype": "application/json",
    }
    if subject:
        attributes["subject"] = subject
    return attributes


_ATTRIBUTES: dict[str, Attributes] = {family.source: _attributes_of(family) for family in FAMILIES}


def _word(text: str) -> str:
    return _NOT_IN_A_WORD.sub("-", text.lower()).strip("-") or "-"
