"""The storage layout: how an event is laid out as a MongoDB document, and back.

One `events` collection. Each document holds the normalised fields queries use (camelCase,
the names filters and sorts accept) and `raw`, the event exactly as sent. Fields that are
absent or null are left out, so "exists" means "has a value".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from bson.codec_options import CodecOptions

from app.documents.keys import escape_keys, unescape_keys
from app.events import NewEvent, StoredEvent
from app.named_fields import NAMED_FIELDS, FieldKind

__all__ = ["DOCUMENT_CODEC", "Document", "as_stored", "from_document", "to_document"]

Document = dict[str, Any]

# How a stored document is read where filters test it (the live feeds): its times aware of
# their zone, as every time a filter compares them with is. MongoDB's driver hands back naive
# UTC times unless told so.
DOCUMENT_CODEC: CodecOptions[Document] = CodecOptions(tz_aware=True, tzinfo=UTC)

# Normalised field → StoredEvent attribute, for the optional text fields (stored as given).
_PLAIN_FIELDS = {
    field.name: field.attribute
    for field in NAMED_FIELDS
    if field.kind is FieldKind.TEXT and field.name != "source"
}
# Client-shaped JSON, whose keys need escaping.
_CLIENT_FIELDS = ("data", "payload", "raw")


def to_document(
    event: NewEvent,
    *,
    seq: int,
    received_at: datetime,
    idempotency_key: str | None = None,
    event_id: ObjectId | None = None,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_id": event_id or ObjectId(),
        "seq": seq,
        "source": event.source,
        "timestamp": event.timestamp,
        "receivedAt": received_at,
    }
    for field, attribute in _PLAIN_FIELDS.items():
        value = getattr(event, attribute)
        if value is not None:
            document[field] = value
    for field in _CLIENT_FIELDS:
        value = getattr(event, field)
        if value is not None:
            document[field] = escape_keys(value)
    if idempotency_key is not None:
        document["idempotencyKey"] = idempotency_key
    return document


def as_stored(event: NewEvent, document: dict[str, Any]) -> StoredEvent:
    """`event` as stored in `document`, the one `to_document` made of it and MongoDB took.

    Built from the event itself, already checked, rather than read back out of its document:
    an append answers without walking every key of what it just wrote a second time.
    """
    fields = {name: getattr(event, name) for name in NewEvent.model_fields}
    return StoredEvent.model_construct(
        **fields,
        id=str(document["_id"]),
        seq=document["seq"],
        received_at=document["receivedAt"],
    )


def from_document(document: Document) -> StoredEvent:
    fields: dict[str, Any] = {
        attribute: document.get(field) for field, attribute in _PLAIN_FIELDS.items()
    }
    fields.update({field: unescape_keys(document.get(field)) for field in _CLIENT_FIELDS})
    return StoredEvent(
        id=str(document["_id"]),
        seq=document["seq"],
        source=document["source"],
        timestamp=_utc(document["timestamp"]),
        received_at=_utc(document["receivedAt"]),
        **fields,
    )


def _utc(moment: datetime) -> datetime:
    # The driver hands back naive UTC datetimes unless told otherwise.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
