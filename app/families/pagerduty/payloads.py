"""PagerDuty's v3 webhook bodies for the incident events the delivery metrics read, as
PagerDuty documents them ("Webhooks v3": `{"event": {…}}`).

Lenient like every payload here: each field optional, unknown fields kept. Times stay strings
exactly as sent (`occurred_at` with milliseconds, the incident's `created_at` without).
"""

from __future__ import annotations

from types import MappingProxyType

from pydantic import BaseModel, ConfigDict

__all__ = ["INCIDENT_TYPES", "PAGERDUTY_PAYLOADS", "PagerDutyPayload"]


class PagerDutyPayload(BaseModel):
    """Base of every typed payload: lenient, keeps what it does not know."""

    model_config = ConfigDict(extra="allow", frozen=True)


class PagerDutyReference(PagerDutyPayload):
    """A reference to another PagerDuty object: a user, a service, a team, a policy."""

    id: str | None = None
    type: str | None = None
    summary: str | None = None
    html_url: str | None = None


class PagerDutyIncident(PagerDutyPayload):
    """The incident as it is after the event: its `status` is triggered, acknowledged or
    resolved."""

    id: str | None = None
    type: str | None = None
    number: int | None = None
    status: str | None = None
    title: str | None = None
    urgency: str | None = None
    incident_key: str | None = None
    created_at: str | None = None
    html_url: str | None = None
    service: PagerDutyReference | None = None
    assignees: list[PagerDutyReference] | None = None
    escalation_policy: PagerDutyReference | None = None
    teams: list[PagerDutyReference] | None = None
    priority: PagerDutyReference | None = None


class PagerDutyIncidentEvent(PagerDutyPayload):
    """What happened to an incident (`event_type`), when, and who did it (`agent`)."""

    id: str | None = None
    event_type: str | None = None
    resource_type: str | None = None
    occurred_at: str | None = None
    agent: PagerDutyReference | None = None
    data: PagerDutyIncident | None = None


class PagerDutyIncidentPayload(PagerDutyPayload):
    """A v3 webhook's body about an incident."""

    event: PagerDutyIncidentEvent | None = None


# The incident events typed here, by `event_type`: opened, acknowledged, opened again, ended.
INCIDENT_TYPES = (
    "incident.triggered",
    "incident.acknowledged",
    "incident.reopened",
    "incident.resolved",
)
PAGERDUTY_PAYLOADS: MappingProxyType[str, type[PagerDutyPayload]] = MappingProxyType(
    dict.fromkeys(INCIDENT_TYPES, PagerDutyIncidentPayload)
)
