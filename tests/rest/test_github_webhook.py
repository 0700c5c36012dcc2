"""GitHub delivers its webhooks here, signed, with its own headers; the secret says the team."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.config import Settings
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.service import DATA, RunningService, bearer, running_service
from tests.utils.tokens import ADMIN, TEAM_A, TOKENS
from tests.utils.webhooks import github_signature, stored, with_webhook_secrets
from tests.utils.websocket import graphql_websocket

SECRETS = "github:team-a-s3cret=team-a,github:team-b-s3cret=team-b"


def delivery(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "github" / f"{kind}.json").read_text())
    return loaded


async def deliver(
    service: RunningService,
    event: str,
    body: dict[str, Any],
    *,
    secret: str | None = "team-a-s3cret",
    delivery_id: str | None = None,
    **headers: str,
) -> Any:
    """POST as GitHub does: the body's exact bytes, signed with the hook's secret."""
    raw = json.dumps(body).encode()
    sent = {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/7f3c2a1",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or hashlib.sha1(raw).hexdigest(),
        "X-GitHub-Hook-ID": "417262813",
        **headers,
    }
    if secret is not None:
        sent["X-Hub-Signature-256"] = github_signature(secret, raw)
    return await service.http.post("/webhooks/github", content=raw, headers=sent)


@pytest.fixture
async def github(settings: Settings) -> AsyncIterator[RunningService]:
    """Tokens on, and a GitHub secret for each of two teams."""
    async with with_webhook_secrets(settings, SECRETS) as running:
        yield running


TYPED = """
query($filter: EventFilter) {
  githubEvents(filter: $filter) {
    totalCount
    nodes {
      __typename
      ... on GitHubPushEvent { type repo branch commit actor timestamp
        gitHubPushPayload { ref after commits { id timestamp author { username } } } }
      ... on GitHubDeploymentStatusEvent { type action environment commit object cloudEvent
        gitHubDeploymentStatusPayload { deploymentStatus { state environment } } }
      ... on OtherGitHubEvent { type action payload }
    }
  }
}
"""


async def test_deliveries_are_stored_typed_under_the_secrets_team(github: RunningService) -> None:
    push = await deliver(github, "push", delivery("push"))
    status = await deliver(github, "deployment_status", delivery("deployment_status"))
    star = await deliver(github, "star", delivery("star"), secret="team-b-s3cret")

    assert [push.status_code, status.status_code, star.status_code] == [202, 202, 202]
    teams = [(await stored(github, answer))["teamId"] for answer in (push, status, star)]
    assert teams == ["team-a", "team-a", "team-b"]
    answer = await github.graphql(TYPED, token=ADMIN)
    assert answer.errors == []
    deployed, pushed, other = sorted(
        answer.data["githubEvents"]["nodes"], key=lambda node: str(node["__typename"])
    )
    assert pushed == {
        "__typename": "GitHubPushEvent",
        "type": "push",
        "repo": "octo-org/shop",
        "branch": "main",
        "commit": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
        "actor": "mona",
        "timestamp": "2026-11-05T08:40:02.000Z",  # the head commit's, +01:00 read as such
        "gitHubPushPayload": {
            "ref": "refs/heads/main",
            "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
            "commits": [
                {
                    "id": commit["id"],
                    "timestamp": commit["timestamp"],
                    "author": {"username": "mona"},
                }
                for commit in delivery("push")["commits"]
            ],
        },
    }
    assert deployed["type"] == "deployment_status"
    assert (deployed["action"], deployed["environment"]) == ("success", "production")
    assert (deployed["commit"], deployed["object"]) == (delivery("push")["after"], "1042")
    assert deployed["gitHubDeploymentStatusPayload"]["deploymentStatus"] == {
        "state": "success",
        "environment": "production",
    }
    assert deployed["cloudEvent"]["type"] == "com.github.deployment_status.success"
    assert deployed["cloudEvent"]["source"] == "/eventstore/teams/team-a/github"
    assert deployed["cloudEvent"]["data"] == delivery("deployment_status")
    assert other["__typename"] == "OtherGitHubEvent"  # a kind not typed is kept as sent
    assert (other["type"], other["action"], other["payload"]) == (
        "star",
        "created",
        delivery("star"),
    )


async def test_a_redelivery_is_stored_once(github: RunningService) -> None:
    body = delivery("deployment_status")
    first = await deliver(github, "deployment_status", body, delivery_id="72d3162e-cc78-11e3")
    again = await deliver(github, "deployment_status", body, delivery_id="72d3162e-cc78-11e3")
    other = await deliver(github, "deployment_status", body, delivery_id="8a0f2c14-cc78-11e3")

    assert [first.json()["created"], again.json()["created"], other.json()["created"]] == [
        True,
        False,
        True,
    ]
    assert first.json()["id"] == again.json()["id"]
    assert await github.stored_count() == 2


async def test_a_delivery_that_does_not_verify_stores_nothing(github: RunningService) -> None:
    body = delivery("push")
    unsigned = await deliver(github, "push", body, secret=None)
    stranger = await deliver(github, "push", body, secret="guess")
    # A token does not stand in for the signature once GitHub's secrets are configured.
    with_token = await deliver(github, "push", body, secret="guess", **bearer(TEAM_A))
    tampered = await github.http.post(
        "/webhooks/github",
        content=json.dumps({**body, "ref": "refs/heads/evil"}).encode(),
        headers={
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": "d-1",
            "X-Hub-Signature-256": github_signature("team-a-s3cret", json.dumps(body).encode()),
        },
    )

    assert [a.status_code for a in (unsigned, stranger, with_token, tampered)] == [401] * 4
    assert "X-Hub-Signature-256" in unsigned.json()["message"]
    assert await github.stored_count() == 0


async def test_a_ping_is_answered_and_not_stored(github: RunningService) -> None:
    ping = await deliver(github, "ping", delivery("ping"))
    unsigned_ping = await deliver(github, "ping", delivery("ping"), secret=None)

    assert (ping.status_code, ping.json()) == (200, {"ignored": "ping"})
    assert unsigned_ping.status_code == 401
    assert await github.stored_count() == 0


async def test_bad_deliveries_are_refused_naming_the_field(github: RunningService) -> None:
    status = delivery("deployment_status")
    wrong_shape = await deliver(
        github, "deployment_status", {**status, "deployment_status": "success"}
    )
    bad_time = await deliver(
        github,
        "deployment_status",
        {**status, "deployment_status": {**status["deployment_status"], "updated_at": "soon"}},
    )
    no_kind = await github.http.post(
        "/webhooks/github",
        content=b"{}",
        headers={
            "X-GitHub-Delivery": "d-2",
            "X-Hub-Signature-256": github_signature("team-a-s3cret", b"{}"),
        },
    )

    assert [wrong_shape.status_code, bad_time.status_code, no_kind.status_code] == [422] * 3
    assert [e["field"] for e in wrong_shape.json()["errors"]] == ["deployment_status"]
    assert [e["field"] for e in bad_time.json()["errors"]] == ["deployment_status.updated_at"]
    assert [e["field"] for e in no_kind.json()["errors"]] == ["X-GitHub-Event"]
    assert await github.stored_count() == 0


async def test_without_a_github_secret_the_token_decides(settings: Settings) -> None:
    async with running_service(settings.model_copy(update={"tokens": TOKENS})) as service:
        anonymous = await deliver(service, "push", delivery("push"), secret=None)
        with_token = await deliver(service, "push", delivery("push"), **bearer(TEAM_A))
    async with running_service(settings) as open_service:
        unsigned = await deliver(open_service, "push", delivery("push"), secret=None)

    assert (anonymous.status_code, with_token.status_code, unsigned.status_code) == (
        401,
        202,
        202,
    )


async def test_filters_and_subscriptions_read_them_as_any_event(github: RunningService) -> None:
    production = {"source": {"eq": "GITHUB"}, "environment": {"eq": "production"}}
    async with graphql_websocket(
        github.ws_url, payload={"authorization": f"Bearer {ADMIN}"}
    ) as monitor:
        await monitor.subscribe(SUBSCRIBE, filter=production)
        await wait_until(lambda: github.subscribers == 1)
        await deliver(github, "push", delivery("push"))
        status = await deliver(github, "deployment_status", delivery("deployment_status"))
        pushed = (await monitor.next_event())["data"]["events"]

    assert pushed["id"] == status.json()["id"]  # the push names no environment
    answer = await github.graphql(TYPED, token=ADMIN, filter=production)
    assert answer.data["githubEvents"]["totalCount"] == 1


METRICS = """
query($from: DateTime!, $to: DateTime!) {
  deliveryMetrics(from: $from, to: $to, teamId: "team-a") {
    deploymentFrequency { deployments }
    changeFailureRate { deployments failedDeployments }
    leadTime { durations { count medianSeconds } }
  }
}
"""


async def test_deployment_statuses_and_pushes_feed_the_delivery_metrics(
    github: RunningService,
) -> None:
    push, status = delivery("push"), delivery("deployment_status")

    def with_state(state: str, environment: str, minute: int) -> dict[str, Any]:
        moment = f"2026-11-05T10:{minute:02}:00Z"
        changed = {"state": state, "environment": environment, "updated_at": moment}
        return {**status, "deployment_status": {**status["deployment_status"], **changed}}

    await deliver(github, "push", push)
    for minute, (state, environment) in enumerate(
        [
            ("queued", "production"),
            ("in_progress", "production"),
            ("success", "production"),
            ("failure", "production"),
            ("error", "production"),
            ("success", "staging"),  # another environment: not counted
            ("inactive", "production"),
        ]
    ):
        sent = await deliver(github, "deployment_status", with_state(state, environment, minute))
        assert sent.status_code == 202
    answer = await github.graphql(
        METRICS, token=ADMIN, **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-30T00:00:00Z"}
    )

    assert answer.errors == []
    metrics = answer.data["deliveryMetrics"]
    assert metrics["deploymentFrequency"]["deployments"] == 1
    assert metrics["changeFailureRate"] == {"deployments": 3, "failedDeployments": 2}
    # Each commit the push brought counts from its own time (08:12:40Z, and the head's
    # 08:40:02Z) to the deployment at 10:02:00Z: 6,560 s and 4,918 s.
    assert metrics["leadTime"]["durations"] == {"count": 2, "medianSeconds": 5739.0}
