"""Outbound webhooks as a receiver sees them: real HTTP servers on loopback receive what the
service sends, and check its signatures with Standard Webhooks' own library."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from app.config import Settings
from tests.utils.receiver import Received, receiving
from tests.utils.service import RunningService, running_service
from tests.utils.tokens import TEAM_A, TOKENS

CREATE = """
mutation($input: WebhookInput!) {
  createWebhook(input: $input) { secret webhook { id url format status teamId } }
}
"""
WEBHOOK = """
query($id: ID!, $status: WebhookDeliveryStatus) {
  webhook(id: $id) {
    id status pending disabledReason
    deliveries(status: $status) {
      nodes { eventId status nextAttemptAt attempts { at statusCode durationMs error } }
    }
  }
}
"""
INGEST = """
mutation($events: [LifecycleEventInput!]) {
  ingestEvents(lifecycle: $events) { events { ... on Event { id type } } }
}
"""


def lifecycle(name: str, team: str = "team-a", action: str = "succeeded") -> dict[str, Any]:
    return {
        "eventName": name,
        "eventAction": action,
        "teamId": team,
        "repo": "api",
        "timestamp": "2026-12-07T10:00:00Z",
    }


@pytest.fixture
async def outbound(settings: Settings) -> AsyncIterator[RunningService]:
    """Tokens on; receivers on loopback allowed; a schedule of tenths of seconds."""
    configured = settings.model_copy(
        update={
            "tokens": TOKENS,
            "webhook_allow_private": True,
            "webhook_retry_schedule": "0.2,0.3",
        }
    )
    async with running_service(configured) as running:
        yield running


async def create(service: RunningService, token: str, **given: Any) -> tuple[str, str]:
    answer = await service.graphql(CREATE, token=token, input=given)
    assert answer.errors == [], answer.errors
    created = answer.data["createWebhook"]
    return created["webhook"]["id"], created["secret"]


async def ingest(service: RunningService, token: str, *events: dict[str, Any]) -> list[str]:
    answer = await service.graphql(INGEST, token=token, events=list(events))
    assert answer.errors == [], answer.errors
    return [event["id"] for event in answer.data["ingestEvents"]["events"]]


def verified(secret: str, request: Received) -> Any:
    """The body, as the spec's own library verifies it (it raises on a bad signature)."""
    return Verifier(secret).verify(request.body, request.headers)


async def test_each_event_arrives_signed_in_the_envelope(outbound: RunningService) -> None:
    async with receiving() as receiver:
        hook, secret = await create(outbound, TEAM_A, url=receiver.url)
        ids = await ingest(outbound, TEAM_A, lifecycle("deployment"), lifecycle("commit"))
        received = await receiver.wait_for(2)

    bodies = [verified(secret, request) for request in received]
    assert [body["data"]["id"] for body in bodies] == ids
    assert bodies[0]["type"] == "ai.cto.lifecycle.deployment.succeeded"
    assert bodies[0]["data"]["teamId"] == "team-a"
    assert bodies[0]["data"]["raw"]["event_name"] == "deployment"
    assert received[0].headers["webhook-id"] == f"msg_{hook}_{ids[0]}"
    assert received[0].headers["content-type"] == "application/json"
    with pytest.raises(WebhookVerificationError):
        Verifier(secret).verify(received[0].body + b" ", received[0].headers)
