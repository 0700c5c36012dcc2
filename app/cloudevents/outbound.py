"""Stored events as CloudEvents 1.0 in the JSON format, one by one or as a batch body.

Every stored event can be read as a CloudEvent, whichever tool sent it:

- `specversion` is `1.0`, `datacontenttype` is `application/json`, and `data` is the event
  exactly as its sender sent it (the stored `raw`).
- `eventstoreid`, an extension attribute, is the event's id in this store on every event: for
  CDEvents the CloudEvent `id` is the sender's, and this is how a reader finds the event here.
  It is the only extension added; ordering (`seq`) stays an internal matter of cursors.
- CTO.ai lifecycle events: `type` is `ai.cto.lifecycle.` followed by the event name, and by
  `.` and the action when there is one (`ai.cto.lifecycle.deployment.succeeded`). `source` is
  `/eventstore/teams/<team id>/lifecycle`, `id` the stored id, `time` the event's time, and
  `subject` the repository when the event names one.
- FlexDeploy events: `type` is `com.flexagon.flexdeploy.` followed by the event type
  (`com.flexagon.flexdeploy.pipeline-stage-completed` for "Pipeline Stage Completed").
  `source` is `/eventstore/teams/<team id>/flexdeploy`, `id` the stored id, `time` the event's
  time, and `subject` the FlexDeploy object (`Comment - 1913`) when there is one.
- CDEvents: the CloudEvent comes back with the attributes it was received with (`id`,
  `source`, `type`, `subject`, `time`, extensions, all as sent) and the CDEvent as `data`.
  An event stored without those attributes gets the ones the CDEvents binding prescribes:
  `id`, `source`, `type` and `time` from the CDEvent's context (`timestamp` for `time`) and
  `subject` from its subject's `id`; these also fill in any required attribute (`id`,
  `source`, `type`) missing from the kept ones.

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

from app.events import EventSource, StoredEvent
from app.intake.cdevents import cloudevent_attributes
from app.timestamps import format_utc

__all__ = ["cloudevent_of", "cloudevents_batch"]

_NOT_IN_A_WORD = re.compile(r"[^a-z0-9_-]+")
# Members of the JSON format that carry the data, never attributes to copy back out.
_DATA_MEMBERS = frozenset({"data", "data_base64"})
_REQUIRED = ("specversion", "id", "source", "type")
_FAMILIES = {source: source.value.lower() for source in EventSource}


def cloudevent_of(event: StoredEvent) -> dict[str, Any]:
    """Any stored event as a CloudEvent in the JSON format (see the module's mapping)."""
    attributes = _ATTRIBUTES[event.source](event)
    attributes["eventstoreid"] = event.id
    return {**attributes, "data": event.raw}


def cloudevents_batch(events: Iterable[StoredEvent]) -> bytes:
    """The body of an `application/cloudevents-batch+json` answer holding `events`."""
    # ASCII escapes: a stored string can never make the body unencodable.
    return json.dumps([cloudevent_of(event) for event in events], separators=(",", ":")).encode()


def _own_attributes(event: StoredEvent, prefix: str, subject: str | None) -> dict[str, Any]:
    """The attributes of an event from a tool that does not speak CloudEvents itself."""
    words = [event.type] if event.action is None else [event.type, event.action]
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.id,
        "source": _store_source(event),
        "type": ".".join([prefix, *(_word(text) for text in words)]),
        "time": format_utc(event.timestamp),
        "datacontenttype": "application/json",
    }
    if subject:
        attributes["subject"] = subject
    return attributes


def _cdevent_attributes(event: StoredEvent) -> dict[str, Any]:
    """The CloudEvent attributes a CDEvent arrived with (for one sent without a CloudEvent, the
    CDEvents binding's); the binding's required ones fill any gap, so the output stays a
    CloudEvent."""
    derived = cloudevent_attributes(event.raw)
    kept = {k: v for k, v in (event.data or {}).items() if k not in _DATA_MEMBERS}
    if not kept:
        return derived
    return {name: derived[name] for name in _REQUIRED} | kept


def _lifecycle_attributes(event: StoredEvent) -> dict[str, Any]:
    return _own_attributes(event, "ai.cto.lifecycle", event.repo)


def _flexdeploy_attributes(event: StoredEvent) -> dict[str, Any]:
    return _own_attributes(event, "com.flexagon.flexdeploy", event.object)


_ATTRIBUTES: dict[EventSource, Callable[[StoredEvent], dict[str, Any]]] = {
    EventSource.LIFECYCLE: _lifecycle_attributes,
    EventSource.FLEXDEPLOY: _flexdeploy_attributes,
    EventSource.CDEVENTS: _cdevent_attributes,
}
if _unmapped := set(EventSource) - _ATTRIBUTES.keys():
    # A family without its line here would go out under another family's `type`.
    raise RuntimeError(f"no CloudEvents mapping for {sorted(_unmapped)}")


def _store_source(event: StoredEvent) -> str:
    team = quote(event.team_id, safe="") if event.team_id else "-"
    family = _FAMILIES[event.source]
    return f"/eventstore/teams/{team}/{family}"


def _word(text: str) -> str:
    return _NOT_IN_A_WORD.sub("-", text.lower()).strip("-") or "-"
