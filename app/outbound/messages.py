"""What a webhook sends for one event: the body in the webhook's format, its content type,
and the message id a receiver deduplicates on (the same on every attempt, and on a redelivery:
it is the same message)."""

from __future__ import annotations

import json
from typing import Any

from app.cloudevents.outbound import cloudevent_of
from app.events import StoredEvent
from app.named_fields import NAMED_FIELDS
from app.timestamps import format_utc

__all__ = ["Message", "message_of"]

_CONTENT_TYPES = {"EVENT": "application/json", "CLOUDEVENTS": "application/cloudevents+json"}


class Message:
    __slots__ = ("body", "content_type", "id")

    def __init__(self, message_id: str, body: bytes, content_type: str) -> None:
        self.id, self.body, self.content_type = message_id, body, content_type


def message_of(webhook_id: str, event: StoredEvent, cursor: str, format_: str) -> Message:
    cloudevent = cloudevent_of(event)
    if format_ == "CLOUDEVENTS":
        content: dict[str, Any] = cloudevent
    else:
        # Standard Webhooks' envelope: a dotted type (the event's CloudEvents type, so both
        # formats name it alike), a time, and the event itself.
        content = {
            "type": cloudevent["type"],
            "timestamp": format_utc(event.timestamp),
            "data": _event_data(event, cursor),
        }
    body = json.dumps(content, separators=(",", ":")).encode()
    return Message(f"msg_{webhook_id}_{event.id}", body, _CONTENT_TYPES[format_])


def _event_data(event: StoredEvent, cursor: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": event.id, "cursor": cursor}
    for field in NAMED_FIELDS:
        value = getattr(event, field.attribute)
        if value is not None:
            data[field.name] = (
                format_utc(value) if field.name in ("timestamp", "receivedAt") else value
            )
    for name in ("data", "payload"):
        if getattr(event, name) is not None:
            data[name] = getattr(event, name)
    data["raw"] = event.raw
    return data
