"""The event as the rest of the service sees it, once the edge has validated it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

JsonObject = dict[str, Any]


class NewEvent(BaseModel):
    """A validated, normalised event that is not stored yet.

    `raw` is the event exactly as it was sent; every other field is derived from it so that
    queries need not understand either tool's shape.
    """

    model_config = ConfigDict(frozen=True)

    # Which family it belongs to (`app.families`): GraphQL's `EventSource`.
    source: str
    type: str
    action: str | None = None
    team_id: str | None = None
    # Millisecond precision, UTC: what MongoDB stores, so a live event equals its stored copy.
    timestamp: datetime
    repo: str | None = None
    branch: str | None = None
    commit: str | None = None
    actor: str | None = None
    object: str | None = None
    environment: str | None = None
    data: JsonObject | None = None
    payload: Any = None
    raw: JsonObject


class StoredEvent(NewEvent):
    """An event MongoDB has durably accepted."""

    id: str
    # Position in the store's total order: cursors and live catch-up are built on it.
    seq: int
    received_at: datetime
