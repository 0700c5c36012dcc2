"""PagerDuty delivers its v3 webhooks here, signed (several signatures while a secret is
rotated); the secret says the team."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

import pytest

from app.config import Settings
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.service import DATA, RunningService, bearer, running_service
from tests.utils.tokens import ADMIN, TEAM_A, TOKENS
from tests.utils.webhooks import pagerduty_signature, stored, with_webhook_secrets
from tests.utils.websocket import graphql_websocket

SECRETS = "pagerduty:team-a-s3cret=team-a,pagerduty:team-b-s3cret=team-b"
HEADERS: dict[str, dict[str, str]] = json.loads((DATA / "pagerduty" / "headers.json").read_text())
INCIDENT = "Q2S5GZ4TI8P4TQ"


def webhook(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "pagerduty" / f"{name}.json").read_text())
    return loaded


def occurred(name: str) -> datetime:
    return datetime.fromisoformat(webhook(name)["event"]["occurred_at"])


async def deliver(
    service: RunningService,
    name: str,
    body: dict[str, Any] | None = None,
    *,
    secrets: tuple[str, ...] = ("team-a-s3cret",),
    headers: Mapping[str, str] | None = None,
) -> Any:
    """POST as PagerDuty does: the body's exact bytes, signed with each of `secrets`."""
    raw = json.dumps(webhook(name) if body is None else body).encode()
    sent = {**HEADERS[f"{name}.json"], **(headers or {})}
    if secrets:
        sent["X-PagerDuty-Signature"] = pagerduty_signature(secrets, raw)
    return await service.http.post("/webhooks/pagerduty", content=raw, headers=sent)


@pytest.fixture
async def pagerduty(settings: Settings) -> AsyncIterator[RunningService]:
    """Tokens on, and a PagerDuty secret for each of two teams."""
    async with with_webhook_secrets(settings, SECRETS) as running:
        yield running


TYPED = """
query($filter: EventFilter) {
  pagerdutyEvents(filter: $filter, sort: [{field: "timestamp", order: ASC}]) {
    totalCount
    nodes {
      __typename
      ... on Event { type action actor object timestamp summary cloudEvent }
      ... on PagerDutyIncidentTriggeredEvent {
        pagerDutyIncidentPayload {
          event { eventType data { id status title service { summary } } }
        }
      }
      ... on OtherPagerDutyEvent { payload }
    }
  }
}
"""


async def test_webhooks_are_stored_typed_under_the_secrets_team(
    pagerduty: RunningService,
) -> None:
    names = ["incident_triggered", "incident_acknowledged", "incident_resolved"]
    answers = [await deliver(pagerduty, name) for name in names]
    service = await deliver(pagerduty, "service_updated", secrets=("team-b-s3cret",))

    assert [answer.status_code for answer in [*answers, service]] == [202] * 4
    teams = [(await stored(pagerduty, answer))["teamId"] for answer in [*answers, service]]
    assert teams == ["team-a", "team-a", "team-a", "team-b"]
    answer = await pagerduty.graphql(TYPED, token=ADMIN)
    assert answer.errors == []
    triggered, acknowledged, resolved, updated = answer.data["pagerdutyEvents"]["nodes"]
    sent = webhook("incident_triggered")["event"]
    assert {key: triggered[key] for key in ("type", "action", "actor", "object", "timestamp")} == {
        "type": "incident.triggered",
        "action": "triggered",
        "actor": sent["agent"]["summary"],
        "object": INCIDENT,
        "timestamp": sent["occurred_at"],
    }
    assert triggered["__typename"] == "PagerDutyIncidentTriggeredEvent"
    assert triggered["pagerDutyIncidentPayload"]["event"] == {
        "eventType": "incident.triggered",
        "data": {
            "id": INCIDENT,
            "status": "triggered",
            "title": sent["data"]["title"],
            "service": {"summary": "shop-api"},
        },
    }
    assert triggered["cloudEvent"]["type"] == "com.pagerduty.incident-triggered.triggered"
    assert triggered["cloudEvent"]["subject"] == INCIDENT
    assert [acknowledged["__typename"], resolved["__typename"]] == [
        "PagerDutyIncidentAcknowledgedEvent",
        "PagerDutyIncidentResolvedEvent",
    ]
    assert [node["object"] for node in (acknowledged, resolved)] == [INCIDENT, INCIDENT]
    assert (resolved["action"], resolved["summary"]) == ("resolved", "incident.resolved")
    assert updated["__typename"] == "OtherPagerDutyEvent"  # kept as sent
    assert (updated["type"], updated["object"]) == ("service.updated", "PX4K2QW")
    assert updated["payload"] == webhook("service_updated")


async def test_a_retry_is_stored_once(pagerduty: RunningService) -> None:
    first = await deliver(pagerduty, "incident_triggered")
    # PagerDuty retries with the same event; a new delivery id does not make it another.
    again = await deliver(pagerduty, "incident_triggered", headers={"X-Webhook-Id": "retry-2"})

    assert [first.json()["created"], again.json()["created"]] == [True, False]
    assert first.json()["id"] == again.json()["id"]
    assert await pagerduty.stored_count() == 1


async def test_any_signature_of_a_rotation_verifies(pagerduty: RunningService) -> None:
    rotating = await deliver(
        pagerduty, "incident_triggered", secrets=("old-secret", "team-b-s3cret")
    )

    assert rotating.status_code == 202
    assert (await stored(pagerduty, rotating))["teamId"] == "team-b"


async def test_a_webhook_that_does_not_verify_stores_nothing(pagerduty: RunningService) -> None:
    body = webhook("incident_triggered")
    unsigned = await deliver(pagerduty, "incident_triggered", secrets=())
    stranger = await deliver(pagerduty, "incident_triggered", secrets=("guess", "other"))
    with_token = await deliver(
        pagerduty, "incident_triggered", secrets=("guess",), headers=bearer(TEAM_A)
    )
    raw = json.dumps(body).encode()
    tampered = await pagerduty.http.post(
        "/webhooks/pagerduty",
        content=json.dumps({**body, "forged": True}).encode(),
        headers={"X-PagerDuty-Signature": pagerduty_signature(["team-a-s3cret"], raw)},
    )

    assert [a.status_code for a in (unsigned, stranger, with_token, tampered)] == [401] * 4
    assert "X-PagerDuty-Signature" in unsigned.json()["message"]
    assert await pagerduty.stored_count() == 0


async def test_bad_webhooks_are_refused_naming_the_field(pagerduty: RunningService) -> None:
    sent = webhook("incident_triggered")
    event = sent["event"]
    bad_time = {"event": {**event, "occurred_at": "soon"}}
    wrong_shape = {"event": {**event, "data": "Q2S5GZ4TI8P4TQ"}}
    no_type = {"event": {key: value for key, value in event.items() if key != "event_type"}}
    no_id = {"event": {**event, "id": ""}}

    answers = [
        await deliver(pagerduty, "incident_triggered", body)
        for body in (bad_time, wrong_shape, no_type, no_id)
    ]

    assert [answer.status_code for answer in answers] == [422] * 4
    assert [[e["field"] for e in answer.json()["errors"]] for answer in answers] == [
        ["event.occurred_at"],
        ["event.data"],
        ["event.event_type"],
        ["event.id"],
    ]
    assert await pagerduty.stored_count() == 0


async def test_without_a_pagerduty_secret_the_token_decides(settings: Settings) -> None:
    async with running_service(settings.model_copy(update={"tokens": TOKENS})) as service:
        anonymous = await deliver(service, "incident_triggered", secrets=())
        with_token = await deliver(
            service, "incident_triggered", secrets=(), headers=bearer(TEAM_A)
        )
    async with running_service(settings) as open_service:
        unsigned = await deliver(open_service, "incident_triggered", secrets=())

    assert (anonymous.status_code, with_token.status_code, unsigned.status_code) == (
        401,
        202,
        202,
    )


async def test_filters_and_subscriptions_read_them_as_any_event(
    pagerduty: RunningService,
) -> None:
    this_incident = {"source": {"eq": "PAGERDUTY"}, "object": {"eq": INCIDENT}}
    async with graphql_websocket(
        pagerduty.ws_url, payload={"authorization": f"Bearer {ADMIN}"}
    ) as monitor:
        await monitor.subscribe(SUBSCRIBE, filter=this_incident)
        await wait_until(lambda: pagerduty.subscribers == 1)
        await deliver(pagerduty, "incident_other_triggered")
        triggered = await deliver(pagerduty, "incident_triggered")
        seen = (await monitor.next_event())["data"]["events"]

    assert seen["id"] == triggered.json()["id"]  # the other incident is not this one
    answer = await pagerduty.graphql(TYPED, token=ADMIN, filter=this_incident)
    assert answer.data["pagerdutyEvents"]["totalCount"] == 1


METRICS = """
query($from: DateTime!, $to: DateTime!) {
  deliveryMetrics(from: $from, to: $to, teamId: "team-a") {
    timeToRestore {
      durations { count medianSeconds } unresolvedIncidents pairedByIdentity
    }
  }
}
"""


async def test_incidents_are_restored_when_resolved_by_their_id(
    pagerduty: RunningService,
) -> None:
    order = [
        "incident_triggered",
        "incident_other_triggered",
        "incident_acknowledged",
        "incident_other_resolved",
        "incident_resolved",
        "incident_reopened",
    ]
    for name in order:
        assert (await deliver(pagerduty, name)).status_code == 202
    answer = await pagerduty.graphql(
        METRICS, token=ADMIN, **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-30T00:00:00Z"}
    )

    def seconds(opened: str, resolved: str) -> float:
        return (occurred(resolved) - occurred(opened)).total_seconds()

    spans = sorted(
        [
            seconds("incident_triggered", "incident_resolved"),
            seconds("incident_other_triggered", "incident_other_resolved"),
        ]
    )
    assert answer.errors == []
    restore = answer.data["deliveryMetrics"]["timeToRestore"]
    # Each incident ends at its own resolution, whatever came between; reopened, it is open
    # again (and nothing has resolved it since).
    assert restore == {
        "durations": {"count": 2, "medianSeconds": sum(spans) / 2},
        "unresolvedIncidents": 1,
        "pairedByIdentity": 2,
    }
