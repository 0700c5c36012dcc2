"""A PagerDuty v3 webhook body (`{"event": {…}}`) into a `NewEvent`.

Every body is read as `PagerDutyWebhook` (what `/openapi.json` publishes: an event with its id,
its type and, if it says one, its time), and an incident event's against the incident model.
The type is the event's `event_type` (`incident.triggered`, …); the body is `raw`, exactly as
sent, and `payload`. The incident's id is the event's `object` (where PagerDuty puts it: the
event's data, or the incident the data belongs to, as for an annotation).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.events import NewEvent
from app.families.pagerduty.payloads import PAGERDUTY_PAYLOADS
from app.intake import BodyFields, IntakeLimits
from app.intake.bodies import CHECKED, EventTime, KeyText, NamedText, field_problems
from app.intake.paths import first_text, text_at

__all__ = ["EVENT_ID", "SOURCE", "PagerDutyWebhook", "pagerduty_event"]

SOURCE = "PAGERDUTY"
# What makes a retry store nothing (the webhook's idempotency key).
EVENT_ID = ("event", "id")


class PagerDutyWebhookEvent(BaseModel):
    """What every v3 webhook's event carries, whatever its kind (its `agent` and `data` vary
    with it)."""

    model_config = ConfigDict(**CHECKED, title="PagerDutyWebhookEvent")

    id: KeyText = Field(description="PagerDuty's id of the event: its retries carry it too.")
    event_type: NamedText = Field(
        description="What happened (`incident.triggered`, `incident.resolved`, …)."
    )
    occurred_at: EventTime | None = Field(
        default=None, description="When it happened; absent: when it was received."
    )


class PagerDutyWebhook(BaseModel):
    """A PagerDuty v3 webhook's body."""

    model_config = ConfigDict(**CHECKED, title="PagerDutyWebhook")

    event: PagerDutyWebhookEvent


def pagerduty_event(body: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    fields = BodyFields(body)
    fields.check_limits(limits)
    webhook = fields.model(PagerDutyWebhook)
    model = PAGERDUTY_PAYLOADS.get(webhook.event.event_type) if webhook else None
    if model is not None:
        try:
            model.model_validate(fields.body)
        except ValidationError as error:
            fields.errors += field_problems(error.errors())
    fields.raise_if_invalid()
    assert webhook is not None
    event: Mapping[str, Any] = fields.body["event"]
    return NewEvent(
        source=SOURCE,
        type=webhook.event.event_type,
        action=text_at(event, ("data", "status")),
        actor=text_at(event, ("agent", "summary")),
        object=_incident(event),
        timestamp=webhook.event.occurred_at or received_at,
        payload=fields.body,
        raw=fields.body,
    )


def _incident(event: Mapping[str, Any]) -> str | None:
    """The incident the event is about; for an event about something else (a service), that
    thing's id."""
    if text_at(event, ("data", "type")) in (None, "incident"):
        return first_text(event, (("data", "id"),))
    return first_text(event, (("data", "incident", "id"), ("data", "id")))
