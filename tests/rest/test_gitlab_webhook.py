"""GitLab delivers its webhooks here, with its own headers and its secret token; the token says
the team."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from app.config import Settings
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.service import DATA, RunningService, bearer, running_service
from tests.utils.tokens import ADMIN, TEAM_A, TOKENS
from tests.utils.webhooks import stored, with_webhook_secrets
from tests.utils.websocket import graphql_websocket

TOKENS_OF_GITLAB = "gitlab:team-a-t0ken=team-a,gitlab:team-b-t0ken=team-b"
HEADERS: dict[str, dict[str, str]] = json.loads((DATA / "gitlab" / "headers.json").read_text())


def delivery(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "gitlab" / f"{name}.json").read_text())
    return loaded


async def deliver(
    service: RunningService,
    name: str,
    body: dict[str, Any] | None = None,
    *,
    token: str | None = "team-a-t0ken",
    headers: Mapping[str, str] | None = None,
) -> Any:
    """POST as GitLab does: its recorded headers with the hook's secret token."""
    sent = {**HEADERS[f"{name}.json"], **(headers or {})}
    if token is not None:
        sent["X-Gitlab-Token"] = token
    raw = json.dumps(delivery(name) if body is None else body).encode()
    return await service.http.post("/webhooks/gitlab", content=raw, headers=sent)


@pytest.fixture
async def gitlab(settings: Settings) -> AsyncIterator[RunningService]:
    """Tokens on, and a GitLab secret token for each of two teams."""
    async with with_webhook_secrets(settings, TOKENS_OF_GITLAB) as running:
        yield running


TYPED = """
query($filter: EventFilter) {
  gitlabEvents(filter: $filter) {
    totalCount
    nodes {
      __typename
      ... on Event { type action repo branch commit actor object environment timestamp }
      ... on GitLabPushHookEvent {
        gitLabPushPayload { checkoutSha commits { id timestamp } } }
      ... on GitLabDeploymentHookEvent { cloudEvent
        gitLabDeploymentPayload { status environmentTier statusChangedAt } }
      ... on OtherGitLabEvent { payload }
    }
  }
}
"""


NAMED = ("type", "action", "repo", "branch", "commit", "actor", "object", "environment")


def named(node: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(node[field] for field in (*NAMED, "timestamp"))


async def test_deliveries_are_stored_typed_under_the_tokens_team(gitlab: RunningService) -> None:
    names = ["push", "merge_request", "pipeline", "deployment", "issue"]
    answers = [await deliver(gitlab, name) for name in names]
    note = await deliver(gitlab, "note", token="team-b-t0ken")

    assert [answer.status_code for answer in [*answers, note]] == [202] * 6
    teams = [(await stored(gitlab, answer))["teamId"] for answer in [*answers, note]]
    assert teams == ["team-a"] * 5 + ["team-b"]
    answer = await gitlab.graphql(TYPED, token=ADMIN)
    assert answer.errors == []
    nodes = {node["type"]: node for node in answer.data["gitlabEvents"]["nodes"]}
    head = delivery("push")["after"]
    # Each kind's named fields from where GitLab puts them, its times in GitLab's three forms.
    assert [named(nodes[kind]) for kind in sorted(nodes)] == [
        (
            "Deployment Hook", "success", "acme/shop", "main", head, "lena.fischer", "1207",
            "production", "2026-11-05T09:00:00.000Z",  # 10:00:00 +0100
        ),
        (
            "Issue Hook", "open", "acme/shop", None, None, "priya.nair", "88", None,
            "2026-11-05T10:24:37.000Z",
        ),
        (
            "Merge Request Hook", "merge", "acme/shop", "main",
            delivery("merge_request")["object_attributes"]["merge_commit_sha"],
            delivery("merge_request")["user"]["username"], "17", None,
            "2026-11-05T07:55:42.000Z",
        ),
        (
            "Note Hook", delivery("note")["object_attributes"]["action"], "acme/shop", None,
            None, delivery("note")["user"]["username"], None, None,
            nodes["Note Hook"]["timestamp"],  # no time of its own: received
        ),
        (
            "Pipeline Hook", "success", "acme/shop", "main", head,
            delivery("pipeline")["user"]["username"], "9104", None,
            "2026-11-05T09:00:04.000Z",  # 09:00:04 UTC
        ),
        (
            "Push Hook", None, "acme/shop", "main", head, "lena.fischer", None, None,
            "2026-11-05T08:12:00.000Z",  # the head commit's, 09:12:00+01:00
        ),
    ]  # fmt: skip
    pushed, deployed = nodes["Push Hook"], nodes["Deployment Hook"]
    assert pushed["gitLabPushPayload"] == {
        "checkoutSha": head,
        "commits": [
            {"id": commit["id"], "timestamp": commit["timestamp"]}
            for commit in delivery("push")["commits"]
        ],
    }
    assert deployed["gitLabDeploymentPayload"] == {
        "status": "success",
        "environmentTier": "production",
        "statusChangedAt": "2026-11-05 10:00:00 +0100",
    }
    assert deployed["cloudEvent"]["type"] == "com.gitlab.deployment-hook.success"
    assert deployed["cloudEvent"]["data"] == delivery("deployment")
    assert nodes["Note Hook"]["__typename"] == "OtherGitLabEvent"
    assert nodes["Note Hook"]["payload"] == delivery("note")


async def test_a_delivery_sent_again_is_stored_once(gitlab: RunningService) -> None:
    first = await deliver(gitlab, "deployment")
    # Sent again from GitLab's hook log: a new event UUID, the same Idempotency-Key.
    again = await deliver(gitlab, "deployment", headers={"X-Gitlab-Event-UUID": "another-uuid"})
    # An older GitLab sends no Idempotency-Key: the event UUID is the key.
    older = {**HEADERS["deployment_running.json"]}
    del older["Idempotency-Key"]
    running = [
        await gitlab.http.post(
            "/webhooks/gitlab",
            content=json.dumps(delivery("deployment_running")).encode(),
            headers={**older, "X-Gitlab-Token": "team-a-t0ken"},
        )
        for _ in range(2)
    ]

    assert [first.json()["created"], again.json()["created"]] == [True, False]
    assert first.json()["id"] == again.json()["id"]
    assert [answer.json()["created"] for answer in running] == [True, False]
    assert await gitlab.stored_count() == 2


async def test_a_delivery_without_a_known_token_stores_nothing(gitlab: RunningService) -> None:
    without = await deliver(gitlab, "push", token=None)
    stranger = await deliver(gitlab, "push", token="guess")
    # A bearer token does not stand in for GitLab's once GitLab's tokens are configured.
    with_bearer = await deliver(gitlab, "push", token="guess", headers=bearer(TEAM_A))

    assert [a.status_code for a in (without, stranger, with_bearer)] == [401] * 3
    assert "X-Gitlab-Token" in without.json()["message"]
    assert await gitlab.stored_count() == 0


async def test_bad_deliveries_are_refused_naming_the_field(gitlab: RunningService) -> None:
    deployment = delivery("deployment")
    wrong_shape = await deliver(gitlab, "deployment", {**deployment, "deployment_id": "x"})
    bad_time = await deliver(gitlab, "deployment", {**deployment, "status_changed_at": "soon"})
    no_kind = await gitlab.http.post(
        "/webhooks/gitlab",
        content=b"{}",
        headers={"X-Gitlab-Token": "team-a-t0ken", "Idempotency-Key": "k-1"},
    )

    assert [wrong_shape.status_code, bad_time.status_code, no_kind.status_code] == [422] * 3
    assert [e["field"] for e in wrong_shape.json()["errors"]] == ["deployment_id"]
    assert [e["field"] for e in bad_time.json()["errors"]] == ["status_changed_at"]
    assert [e["field"] for e in no_kind.json()["errors"]] == ["X-Gitlab-Event"]
    assert await gitlab.stored_count() == 0


async def test_without_a_gitlab_token_the_bearer_token_decides(settings: Settings) -> None:
    async with running_service(settings.model_copy(update={"tokens": TOKENS})) as service:
        anonymous = await deliver(service, "push", token=None)
        with_bearer = await deliver(service, "push", token=None, headers=bearer(TEAM_A))
    async with running_service(settings) as open_service:
        untokened = await deliver(open_service, "push", token=None)

    assert (anonymous.status_code, with_bearer.status_code, untokened.status_code) == (
        401,
        202,
        202,
    )


async def test_filters_and_subscriptions_read_them_as_any_event(gitlab: RunningService) -> None:
    production = {"source": {"eq": "GITLAB"}, "environment": {"eq": "production"}}
    async with graphql_websocket(
        gitlab.ws_url, payload={"authorization": f"Bearer {ADMIN}"}
    ) as monitor:
        await monitor.subscribe(SUBSCRIBE, filter=production)
        await wait_until(lambda: gitlab.subscribers == 1)
        await deliver(gitlab, "push")
        await deliver(gitlab, "deployment_staging")
        deployed = await deliver(gitlab, "deployment")
        seen = (await monitor.next_event())["data"]["events"]

    assert seen["id"] == deployed.json()["id"]  # the push and staging are not production
    answer = await gitlab.graphql(TYPED, token=ADMIN, filter=production)
    assert answer.data["gitlabEvents"]["totalCount"] == 1


METRICS = """
query($from: DateTime!, $to: DateTime!) {
  deliveryMetrics(from: $from, to: $to, teamId: "team-a") {
    deploymentFrequency { deployments }
    changeFailureRate { deployments failedDeployments }
    leadTime { durations { count medianSeconds } }
  }
}
"""


async def test_deployments_and_pushes_feed_the_delivery_metrics(gitlab: RunningService) -> None:
    deployment = delivery("deployment")

    def with_status(status: str, environment: str, minute: int) -> dict[str, Any]:
        changed = {
            "status": status,
            "environment": environment,
            "status_changed_at": f"2026-11-05 11:{minute:02}:00 +0100",
            "deployment_id": 2000 + minute,
        }
        return {**deployment, **changed}

    await deliver(gitlab, "push")
    for minute, (status, environment) in enumerate(
        [
            ("running", "production"),
            ("success", "production"),
            ("failed", "production"),
            ("canceled", "production"),
            ("success", "staging"),  # another environment: not counted
        ]
    ):
        body = with_status(status, environment, minute)
        sent = await deliver(gitlab, "deployment", body, headers={"Idempotency-Key": f"d-{minute}"})
        assert sent.status_code == 202
    answer = await gitlab.graphql(
        METRICS, token=ADMIN, **{"from": "2026-11-01T00:00:00Z", "to": "2026-11-30T00:00:00Z"}
    )

    assert answer.errors == []
    metrics = answer.data["deliveryMetrics"]
    assert metrics["deploymentFrequency"]["deployments"] == 1
    assert metrics["changeFailureRate"] == {"deployments": 2, "failedDeployments": 1}
    # Each commit the push brought counts from its own time (08:02:11Z, 08:07:45Z and the
    # head's 08:12:00Z) to the deployment at 10:01:00Z: 7,129 s, 6,795 s and 6,540 s.
    assert metrics["leadTime"]["durations"] == {"count": 3, "medianSeconds": 6795.0}


async def test_a_key_that_names_another_familys_event_is_refused(gitlab: RunningService) -> None:
    key = HEADERS["push.json"]["Idempotency-Key"]
    pushed = await deliver(gitlab, "push")
    # The same team sends a lifecycle event with the key GitLab gave its delivery.
    reused = await gitlab.http.post(
        "/events",
        json={"event_name": "deployment", "event_action": "succeeded"},
        headers={"Idempotency-Key": key, **bearer(TEAM_A)},
    )

    assert pushed.status_code == 202
    assert (reused.status_code, reused.json()["name"]) == (409, "Conflict")
    assert [error["field"] for error in reused.json()["errors"]] == ["Idempotency-Key"]
    assert pushed.json()["id"] in reused.json()["message"]
    assert await gitlab.stored_count() == 1
