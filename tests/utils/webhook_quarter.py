"""A generated quarter of webhook deliveries, as GitHub, GitLab and PagerDuty send them, with the
awkward cases in it (see tests/insights/test_webhook_quarter.py, which works its figures out),
and sending them as a backfill does: in no particular order, each signed as its tool signs.

What happened is kept beside the deliveries (`World`), so the test works its figures out from
what happened, not from what was sent.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.utils.quarter import START
from tests.utils.service import DATA, RunningService
from tests.utils.webhooks import github_signature, pagerduty_signature

__all__ = ["SECRETS", "Deployment", "Told", "World", "send", "world"]

SECRETS = (
    "github:gh-s3cret=team-a,gitlab:gl-t0ken=team-a,gitlab:gl-b-t0ken=team-b,"
    "pagerduty:pd-s3cret=team-a"
)
_GITLAB_TOKENS = {"team-a": "gl-t0ken", "team-b": "gl-b-t0ken"}
NO_COMMIT = "0" * 40


def _loaded(path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / path).read_text())
    return loaded


_GITHUB_PUSH = _loaded("github/push.json")
_GITHUB_STATUS = _loaded("github/deployment_status.json")
_GITLAB_PUSH = _loaded("gitlab/push.json")
_GITLAB_DEPLOYMENT = _loaded("gitlab/deployment.json")
_PAGERDUTY = _loaded("pagerduty/incident_triggered.json")


@dataclass(frozen=True)
class Commit:
    sha: str
    at: datetime


@dataclass(frozen=True)
class Push:
    """A push to a repository's main branch, as the test reads it."""

    repo: str
    at: datetime
    commits: tuple[Commit, ...]
    forced: bool


@dataclass(frozen=True)
class Deployment:
    team: str
    repo: str
    at: datetime
    commit: str
    environment: str
    outcome: str  # success, failed, or a status that is no outcome (running, queued, …)


@dataclass(frozen=True)
class Told:
    """An incident opened, resolved or abandoned: `incident` names it; `repo` is None for
    PagerDuty's, which name a service, not a repository."""

    team: str
    repo: str | None
    at: datetime
    incident: str
    role: str  # opened, resolved, abandoned


@dataclass(frozen=True)
class Delivery:
    source: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class World:
    pushes: list[Push] = field(default_factory=list)  # to main, in order per repository
    deployments: list[Deployment] = field(default_factory=list)
    told: list[Told] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


class _Repo:
    """One repository's main branch as the generator moves it."""

    def __init__(self, team: str, name: str, source: str) -> None:
        self.team, self.name, self.source = team, name, source
        self.head = NO_COMMIT
        self.deployed: str | None = None


def world(seed: int = 31) -> World:
    rng = random.Random(seed)
    made = World()
    serial = 0

    def sha() -> str:
        nonlocal serial
        serial += 1
        return f"{rng.getrandbits(128):032x}{serial:08x}"

    repos = [
        _Repo("team-a", "acme/api", "github"),
        _Repo("team-a", "acme/web", "gitlab"),
        _Repo("team-b", "beta/app", "gitlab"),
    ]
    issue_number = 100
    for day in range(-7, 13 * 7 + 7):  # a week either side: deployments before it stop walks
        date = START + timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for repo in repos:
            moment = date + timedelta(hours=8, minutes=rng.randint(0, 30))
            for _ in range(rng.choice([0, 1, 1, 2])):
                moment += timedelta(minutes=rng.randint(20, 90))
                _push(made, rng, repo, moment, sha)
            if repo.head != NO_COMMIT and repo.head != repo.deployed and rng.random() < 0.6:
                moment += timedelta(minutes=rng.randint(5, 60))
                _deploy(made, rng, repo, moment)
        if rng.random() < 0.12:  # a GitHub issue labelled incident
            issue_number += 1
            at = date + timedelta(hours=rng.randint(12, 16), minutes=rng.randint(0, 59))
            _issue_incident(made, rng, issue_number, at)
        if rng.random() < 0.1:  # an issue that is not an incident
            issue_number += 1
            at = date + timedelta(hours=17)
            _issue(made, issue_number, at, "opened", ["bug"])
            _issue(made, issue_number, at + timedelta(hours=3), "closed", ["bug"])
        if rng.random() < 0.14:  # a PagerDuty incident
            at = date + timedelta(hours=rng.randint(12, 18), minutes=rng.randint(0, 59))
            _pagerduty_incident(made, rng, f"P{serial:06d}{day + 7:03d}", at)
    return made


def _push(made: World, rng: random.Random, repo: _Repo, moment: datetime, sha: Any) -> None:
    # A forced push rewrote the branch: what it was at before is no longer in it. (GitLab's
    # push says nothing of forcing: only GitHub's are forced here.)
    forced = repo.source == "github" and repo.head != NO_COMMIT and rng.random() < 0.05
    before = repo.head
    count = rng.randint(1, 4)
    commits = tuple(
        Commit(sha(), moment - timedelta(minutes=rng.randint(1, 600) * (count - n)))
        for n in range(count)
    )
    if rng.random() < 0.15:  # a feature branch first: its commits come again in the merge
        branch = f"feature-{commits[0].sha[:6]}"
        early = commits[:-1] or commits
        made.deliveries.append(_push_delivery(repo, branch, NO_COMMIT, early, forced=False))
    made.pushes.append(Push(repo.name, moment, commits, forced))
    made.deliveries.append(_push_delivery(repo, "main", before, commits, forced=forced))
    repo.head = commits[-1].sha


def _deploy(made: World, rng: random.Random, repo: _Repo, moment: datetime) -> None:
    statuses: list[tuple[str, str, datetime]] = []
    if rng.random() < 0.3:  # staging first: it neither counts nor stops a walk
        statuses.append(("staging", "success", moment))
        moment += timedelta(minutes=rng.randint(10, 90))
    outcome = "failed" if rng.random() < 0.2 else "success"
    progress = "in_progress" if repo.source == "github" else "running"
    statuses += [
        ("production", progress, moment - timedelta(minutes=3)),
        ("production", outcome, moment),
    ]
    for environment, status, at in statuses:
        deployment = Deployment(repo.team, repo.name, at, repo.head, environment, status)
        made.deployments.append(deployment)
        made.deliveries.append(_deployment_delivery(repo, deployment))
    if outcome == "success":
        repo.deployed = repo.head


def _issue_incident(made: World, rng: random.Random, number: int, at: datetime) -> None:
    incident = str(number)
    labelled_later = rng.random() < 0.25
    if labelled_later:  # opened as a bug, found to be an incident an hour later
        _issue(made, number, at - timedelta(hours=1), "opened", ["bug"])
        _issue(made, number, at, "labeled", ["bug", "incident"], added="incident")
    else:  # opened with its label: GitHub says it was opened, then that it was labelled
        _issue(made, number, at, "opened", ["incident"])
        _issue(made, number, at + timedelta(seconds=2), "labeled", ["incident"], added="Incident")
    made.told.append(Told("team-a", "acme/api", at, incident, "opened"))
    ending = rng.random()
    if ending < 0.6:
        done = at + timedelta(minutes=rng.randint(20, 2000))
        _issue(made, number, done, "closed", ["incident"])
        made.told.append(Told("team-a", "acme/api", done, incident, "resolved"))
    elif ending < 0.75:
        done = at + timedelta(hours=rng.randint(1, 30))
        _issue(made, number, done, "unlabeled", [], added="incident")
        made.told.append(Told("team-a", "acme/api", done, incident, "abandoned"))


def _pagerduty_incident(made: World, rng: random.Random, incident: str, at: datetime) -> None:
    _page(made, incident, at, "incident.triggered", "triggered")
    _page(made, incident, at + timedelta(minutes=4), "incident.acknowledged", "acknowledged")
    made.told.append(Told("team-a", None, at, incident, "opened"))
    if rng.random() < 0.25:
        return  # never resolved
    done = at + timedelta(minutes=rng.randint(15, 900))
    _page(made, incident, done, "incident.resolved", "resolved")
    made.told.append(Told("team-a", None, done, incident, "resolved"))
    if rng.random() < 0.3:  # it came back, and was resolved again
        again = done + timedelta(hours=rng.randint(1, 20))
        _page(made, incident, again, "incident.reopened", "triggered")
        made.told.append(Told("team-a", None, again, incident, "opened"))
        last = again + timedelta(minutes=rng.randint(15, 300))
        _page(made, incident, last, "incident.resolved", "resolved")
        made.told.append(Told("team-a", None, last, incident, "resolved"))


# --- Each tool's own shape --------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _push_delivery(
    repo: _Repo, branch: str, before: str, commits: tuple[Commit, ...], *, forced: bool
) -> Delivery:
    head = commits[-1].sha
    if repo.source == "github":
        body = copy.deepcopy(_GITHUB_PUSH)
        template = body["commits"][0]
        listed = [template | {"id": c.sha, "timestamp": _iso(c.at)} for c in commits]
        body |= {
            "ref": f"refs/heads/{branch}",
            "before": before,
            "after": head,
            "forced": forced,
            "created": before == NO_COMMIT,
            "commits": listed,
            "head_commit": listed[-1],
        }
        body["repository"] = body["repository"] | {"full_name": repo.name}
        return _github("push", body)
    body = copy.deepcopy(_GITLAB_PUSH)
    template = body["commits"][0]
    body |= {
        "ref": f"refs/heads/{branch}",
        "before": before,
        "after": head,
        "checkout_sha": head,
        "commits": [template | {"id": c.sha, "timestamp": _iso(c.at)} for c in commits],
        "total_commits_count": len(commits),
    }
    body["project"] = body["project"] | {"path_with_namespace": repo.name}
    return _gitlab(repo.team, "Push Hook", body)


def _deployment_delivery(repo: _Repo, deployment: Deployment) -> Delivery:
    if repo.source == "github":
        body = copy.deepcopy(_GITHUB_STATUS)
        state = {"failed": "failure"}.get(deployment.outcome, deployment.outcome)
        body["deployment_status"] |= {
            "state": state,
            "environment": deployment.environment,
            "created_at": _iso(deployment.at),
            "updated_at": _iso(deployment.at),
        }
        body["deployment"] |= {"sha": deployment.commit, "environment": deployment.environment}
        body["repository"] = body["repository"] | {"full_name": repo.name}
        return _github("deployment_status", body)
    body = copy.deepcopy(_GITLAB_DEPLOYMENT)
    body |= {
        "status": deployment.outcome,
        "status_changed_at": deployment.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000"),
        "environment": deployment.environment,
        "commit_url": f"https://gitlab.example.com/{repo.name}/-/commit/{deployment.commit}",
        "short_sha": deployment.commit[:8],
    }
    body["project"] = body["project"] | {"path_with_namespace": repo.name}
    return _gitlab(repo.team, "Deployment Hook", body)


def _issue(
    made: World,
    number: int,
    at: datetime,
    action: str,
    labels: list[str],
    *,
    added: str | None = None,
) -> None:
    body: dict[str, Any] = {
        "action": action,
        "issue": {
            "number": number,
            "title": f"Issue {number}",
            "state": "closed" if action == "closed" else "open",
            "labels": [{"name": name, "color": "d73a4a"} for name in labels],
            "created_at": _iso(at),
            "updated_at": _iso(at),
        },
        "repository": _GITHUB_PUSH["repository"] | {"full_name": "acme/api"},
        "sender": _GITHUB_PUSH["sender"],
    }
    if added is not None:
        body["label"] = {"name": added, "color": "d73a4a"}
    made.deliveries.append(_github("issues", body))


def _page(made: World, incident: str, at: datetime, event_type: str, status: str) -> None:
    body = copy.deepcopy(_PAGERDUTY)
    event = body["event"]
    event |= {
        "id": f"{incident}-{event_type}-{at.timestamp():.0f}",
        "event_type": event_type,
        "occurred_at": _iso(at),
    }
    event["data"] |= {"id": incident, "status": status}
    made.deliveries.append(Delivery("pagerduty", {}, body))


def _github(kind: str, body: dict[str, Any]) -> Delivery:
    return Delivery("github", {"X-GitHub-Event": kind}, body)


def _gitlab(team: str, kind: str, body: dict[str, Any]) -> Delivery:
    key = hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()
    headers = {"X-Gitlab-Event": kind, "Idempotency-Key": key}
    return Delivery("gitlab", headers | {"X-Gitlab-Token": _GITLAB_TOKENS[team]}, body)


# --- Sending, as a backfill does ---------------------------------------------------------


async def send(service: RunningService, made: World, *, seed: int = 5) -> None:
    """Every delivery, in an order of its own (a backfill replays them as it finds them),
    a few at a time, each signed as its tool signs."""
    order = list(made.deliveries)
    random.Random(seed).shuffle(order)
    gate = asyncio.Semaphore(4)

    async def post(number: int, delivery: Delivery) -> None:
        raw = json.dumps(delivery.body).encode()
        headers = {"content-type": "application/json", **delivery.headers}
        if delivery.source == "github":
            headers["X-GitHub-Delivery"] = f"quarter-{number}"
            headers["X-Hub-Signature-256"] = github_signature("gh-s3cret", raw)
        elif delivery.source == "pagerduty":
            headers["X-PagerDuty-Signature"] = pagerduty_signature(["pd-s3cret"], raw)
        async with gate:
            answer = await service.http.post(
                f"/webhooks/{delivery.source}", content=raw, headers=headers
            )
        assert answer.status_code == 202, (delivery.source, answer.text)

    await asyncio.gather(*(post(n, d) for n, d in enumerate(order)))
