"""Outbound webhooks as a receiver sees them: real HTTP servers on loopback receive what the
service sends, and check its signatures with Standard Webhooks' own library."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from app.config import Settings
from app.outbound.sender import Sender
from tests.utils.receiver import Answer, Received, receiving
from tests.utils.service import RunningService, running_service
from tests.utils.tokens import ADMIN, TEAM_A, TEAM_B, TOKENS

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


async def polled(
    fetch: Callable[[], Awaitable[Any]], until: Callable[[Any], Any], within: float = 15
) -> Any:
    """What `fetch` answers once `until` holds of it."""
    async with asyncio.timeout(within):
        while True:
            answer = await fetch()
            if until(answer):
                return answer
            await asyncio.sleep(0.05)


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


async def test_cloudevents_format_sends_a_structured_cloudevent(outbound: RunningService) -> None:
    async with receiving() as receiver:
        _, secret = await create(outbound, TEAM_A, url=receiver.url, format="CLOUDEVENTS")
        [event_id] = await ingest(outbound, TEAM_A, lifecycle("deployment"))
        [request] = await receiver.wait_for(1)

    body = verified(secret, request)
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert body["specversion"] == "1.0"
    assert body["eventstoreid"] == event_id
    assert body["type"] == "ai.cto.lifecycle.deployment.succeeded"
    assert body["data"]["event_name"] == "deployment"


async def test_a_filter_and_the_team_decide_what_is_carried(outbound: RunningService) -> None:
    deployments = {"type": {"eq": "deployment"}}
    async with receiving("/a") as team_a, receiving("/all") as everyone:
        _, secret_a = await create(outbound, TEAM_A, url=team_a.url, filter=deployments)
        _, secret_all = await create(outbound, ADMIN, url=everyone.url, filter=deployments)
        await ingest(outbound, TEAM_B, lifecycle("deployment", team="team-b"))
        await ingest(outbound, TEAM_A, lifecycle("commit"), lifecycle("deployment"))
        await everyone.wait_for(2)
        await team_a.wait_for(1)
        # Another team's webhooks are not even seen.
        seen_by_b = await outbound.graphql("{ webhooks { id } }", token=TEAM_B)

    carried_a = [verified(secret_a, r)["data"] for r in team_a.received]
    carried_all = [verified(secret_all, r)["data"] for r in everyone.received]
    assert [(e["teamId"], e["type"]) for e in carried_a] == [("team-a", "deployment")]
    assert [(e["teamId"], e["type"]) for e in carried_all] == [
        ("team-b", "deployment"),
        ("team-a", "deployment"),
    ]
    assert seen_by_b.data == {"webhooks": []}


async def test_order_is_kept_across_a_failed_attempt(outbound: RunningService) -> None:
    def answer(request: Received, before: list[Received]) -> Answer:
        # The second event fails on its first attempt only.
        first_try = not any(
            r.headers["webhook-id"] == request.headers["webhook-id"] for r in before
        )
        return Answer(500) if len(before) == 1 and first_try else Answer(200)

    async with receiving() as receiver:
        receiver.answer = answer
        hook, _ = await create(outbound, TEAM_A, url=receiver.url)
        ids = await ingest(outbound, TEAM_A, *(lifecycle(f"e{n}") for n in range(4)))
        received = await receiver.wait_for(5)

    sent = [r.headers["webhook-id"].rsplit("_", 1)[1] for r in received]
    assert sent == [ids[0], ids[1], ids[1], ids[2], ids[3]]
    # The retry waited the schedule's first delay (0.2 s, ±10%), and nothing overtook it.
    assert received[2].at - received[1].at >= 0.17
    log = await outbound.graphql(WEBHOOK, token=TEAM_A, id=hook)
    retried = next(d for d in log.data["webhook"]["deliveries"]["nodes"] if d["eventId"] == ids[1])
    assert retried["status"] == "SUCCEEDED"
    assert [a["statusCode"] for a in retried["attempts"]] == [500, 200]
    assert retried["attempts"][0]["error"] == "HTTP 500"


async def test_the_schedule_runs_out_and_the_queue_moves_on(outbound: RunningService) -> None:
    def answer(request: Received, before: list[Received]) -> Answer:
        body = json.loads(request.body)
        return Answer(503) if body["data"]["type"] == "doomed" else Answer(204)

    async with receiving() as receiver:
        receiver.answer = answer
        hook, _ = await create(outbound, TEAM_A, url=receiver.url)
        doomed, after = await ingest(outbound, TEAM_A, lifecycle("doomed"), lifecycle("next"))
        received = await receiver.wait_for(4)
        failed = await polled(
            lambda: outbound.graphql(WEBHOOK, token=TEAM_A, id=hook, status="FAILED"),
            # Given up, and the next event delivered: the webhook is well again.
            lambda answer: (
                answer.data["webhook"]["deliveries"]["nodes"]
                and answer.data["webhook"]["status"] == "ACTIVE"
            ),
        )

    # Three attempts (at once, then after 0.2 s and 0.3 s), then the next event.
    assert [json.loads(r.body)["data"]["id"] for r in received] == [doomed] * 3 + [after]
    [delivery] = failed.data["webhook"]["deliveries"]["nodes"]
    assert delivery["eventId"] == doomed
    assert [a["statusCode"] for a in delivery["attempts"]] == [503, 503, 503]
    assert all(a["error"] == "HTTP 503" and a["durationMs"] >= 0 for a in delivery["attempts"])
    assert delivery["nextAttemptAt"] is None


async def test_retry_after_is_honoured(outbound: RunningService) -> None:
    def answer(request: Received, before: list[Received]) -> Answer:
        return Answer(429, {"Retry-After": "1"}) if not before else Answer(204)

    async with receiving() as receiver:
        receiver.answer = answer
        await create(outbound, TEAM_A, url=receiver.url)
        await ingest(outbound, TEAM_A, lifecycle("deployment"))
        first, second = await receiver.wait_for(2)

    assert second.at - first.at >= 0.95  # not the schedule's 0.2 s


async def test_redelivery_and_recovery_send_again(outbound: RunningService) -> None:
    failing = True

    def answer(request: Received, before: list[Received]) -> Answer:
        return Answer(500) if failing else Answer(204)

    async with receiving() as receiver:
        receiver.answer = answer
        hook, secret = await create(outbound, TEAM_A, url=receiver.url)
        since = datetime.now(UTC).isoformat()
        ids = await ingest(outbound, TEAM_A, lifecycle("a"), lifecycle("b"))
        await receiver.wait_for(6)  # both given up after three attempts each
        await polled(
            lambda: outbound.graphql(WEBHOOK, token=TEAM_A, id=hook, status="FAILED"),
            lambda answer: len(answer.data["webhook"]["deliveries"]["nodes"]) == 2,
        )
        failing = False
        redelivered = await outbound.graphql(
            "mutation($w: ID!, $e: ID!) { redeliverWebhookEvent(webhookId: $w, eventId: $e) "
            "{ eventId status } }",
            token=TEAM_A,
            w=hook,
            e=ids[0],
        )
        again = await receiver.wait_for(7)
        recovered = await outbound.graphql(
            "mutation($w: ID!, $since: DateTime!) { recoverWebhook(webhookId: $w, since: $since) }",
            token=TEAM_A,
            w=hook,
            since=since,
        )
        await receiver.wait_for(8)
        log = await polled(
            lambda: outbound.graphql(WEBHOOK, token=TEAM_A, id=hook, status="SUCCEEDED"),
            lambda answer: (
                len(answer.data["webhook"]["deliveries"]["nodes"]) == 2
                and answer.data["webhook"]["status"] == "ACTIVE"
            ),
        )

    assert redelivered.data["redeliverWebhookEvent"] == {"eventId": ids[0], "status": "PENDING"}
    assert verified(secret, again[6])["data"]["id"] == ids[0]
    assert again[6].headers["webhook-id"] == again[0].headers["webhook-id"]  # the same message
    assert recovered.data["recoverWebhook"] == 1  # the other one still failed
    assert verified(secret, receiver.received[7])["data"]["id"] == ids[1]
    by_event = {d["eventId"]: d for d in log.data["webhook"]["deliveries"]["nodes"]}
    assert [a["statusCode"] for a in by_event[ids[1]]["attempts"]] == [500, 500, 500, 204]
    # (And the webhook is ACTIVE again: its receiver answered.)


async def test_gone_disables_and_enabling_resumes(outbound: RunningService) -> None:
    gone = True

    def answer(request: Received, before: list[Received]) -> Answer:
        return Answer(410) if gone else Answer(204)

    async with receiving() as receiver:
        receiver.answer = answer
        hook, secret = await create(outbound, TEAM_A, url=receiver.url)
        first, second = await ingest(outbound, TEAM_A, lifecycle("a"), lifecycle("b"))
        await receiver.wait_for(1)
        disabled = await polled(
            lambda: outbound.graphql(WEBHOOK, token=TEAM_A, id=hook),
            lambda answer: answer.data["webhook"]["status"] == "DISABLED",
        )
        gone = False
        enabled = await outbound.graphql(
            "mutation($id: ID!) { updateWebhook(id: $id, input: {enabled: true}) { status } }",
            token=TEAM_A,
            id=hook,
        )
        received = await receiver.wait_for(3)

    assert disabled.data["webhook"]["disabledReason"] == "the receiver answered 410 Gone"
    assert disabled.data["webhook"]["pending"] == 2
    assert enabled.data["updateWebhook"]["status"] == "ACTIVE"
    assert [verified(secret, r)["data"]["id"] for r in received] == [first, first, second]


async def test_a_rotated_secret_signs_beside_the_new_one(outbound: RunningService) -> None:
    async with receiving() as receiver:
        hook, old = await create(outbound, TEAM_A, url=receiver.url)
        rotated = await outbound.graphql(
            "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }", token=TEAM_A, id=hook
        )
        new = rotated.data["rotateWebhookSecret"]["secret"]
        await ingest(outbound, TEAM_A, lifecycle("deployment"))
        [request] = await receiver.wait_for(1)

    assert new != old
    assert new.startswith("whsec_")
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert verified(new, request) == verified(old, request)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://example.com/hook", "must be an https URL"),
        ("https://127.0.0.1/hook", "resolves to 127.0.0.1"),
        ("https://localhost:8443/hook", "private, loopback or link-local"),
        ("https://10.1.2.3/hook", "resolves to 10.1.2.3"),
        ("https://169.254.169.254/latest/meta-data", "resolves to 169.254.169.254"),
        ("https://[::1]/hook", "resolves to ::1"),
        ("https://[::ffff:192.168.0.1]/hook", "private, loopback or link-local"),
        ("ftp://files.example.com/hook", "must be an https URL"),
    ],
)
async def test_private_destinations_are_refused(settings: Settings, url: str, says: str) -> None:
    async with running_service(settings.model_copy(update={"tokens": TOKENS})) as service:
        answer = await service.graphql(CREATE, token=TEAM_A, input={"url": url})
        listed = await service.graphql("{ webhooks { id } }", token=TEAM_A)

    [error] = answer.errors
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith("input.url: ")
    assert says in error["message"]
    assert listed.data == {"webhooks": []}


async def test_the_address_is_checked_again_on_connecting() -> None:
    """A name that resolves to a private address by the time of sending is not connected to,
    whatever it resolved to when the webhook was made."""
    sender = Sender(allow_private=False, timeout_seconds=5)
    async with receiving() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        tried = await sender.send(f"https://localhost:{port}/hook", {}, b"{}")
    await sender.close()

    assert not tried.succeeded
    assert tried.error is not None
    assert "a private address: not connected" in tried.error
    assert receiver.received == []


async def test_a_redirect_is_not_followed(outbound: RunningService) -> None:
    async with receiving("/moved") as moved, receiving() as receiver:
        receiver.answer = lambda request, before: Answer(301, {"Location": moved.url})
        hook, _ = await create(outbound, TEAM_A, url=receiver.url)
        await ingest(outbound, TEAM_A, lifecycle("deployment"))
        await receiver.wait_for(3)
        failed = await polled(
            lambda: outbound.graphql(WEBHOOK, token=TEAM_A, id=hook, status="FAILED"),
            lambda answer: answer.data["webhook"]["deliveries"]["nodes"],
        )

    [delivery] = failed.data["webhook"]["deliveries"]["nodes"]
    assert [a["error"] for a in delivery["attempts"]] == ["HTTP 301: a redirect, not followed"] * 3
    assert moved.received == []


async def test_failing_every_attempt_for_long_enough_disables(settings: Settings) -> None:
    # Days are seconds here: a webhook failing for 0.6 s is disabled.
    configured = settings.model_copy(
        update={
            "tokens": TOKENS,
            "webhook_allow_private": True,
            "webhook_retry_schedule": "0.2,0.2,0.2,0.2,0.2,0.2,0.2,0.2",
            "webhook_disable_after_days": 0.6 / 86400,
        }
    )
    async with running_service(configured) as service, receiving() as receiver:
        receiver.answer = lambda request, before: Answer(503)
        hook, _ = await create(service, TEAM_A, url=receiver.url)
        await ingest(service, TEAM_A, lifecycle("deployment"))
        disabled = await polled(
            lambda: service.graphql(WEBHOOK, token=TEAM_A, id=hook),
            lambda answer: answer.data["webhook"]["status"] == "DISABLED",
        )
        tries = len(receiver.received)
        await asyncio.sleep(0.6)  # nothing more is sent

    assert disabled.data["webhook"]["disabledReason"].startswith("every attempt failed since ")
    assert 3 <= tries <= 5
    assert len(receiver.received) == tries
    [pending] = disabled.data["webhook"]["deliveries"]["nodes"]
    assert pending["status"] == "PENDING"  # sent again, from here, once it is enabled
    assert pending["nextAttemptAt"] is None
