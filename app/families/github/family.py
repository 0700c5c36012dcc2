"""GitHub's webhook deliveries as a family of the store."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from strawberry.scalars import JSON

from app.families.family import (
    CloudEventsOut,
    DeliveryFields,
    DeliveryPart,
    EventKind,
    Family,
    GraphQLShape,
    MemberField,
    kind_and_action,
    typed_kinds,
)
from app.families.github.intake import SOURCE, github_event
from app.families.github.payloads import GITHUB_PAYLOADS
from app.families.github.webhook import WEBHOOK
from app.families.pushes import Pushed, read_push
from app.families.roles import (
    CHANGE_PUSHED,
    DEPLOYED,
    DEPLOYMENT_FAILED,
    INCIDENT_ABANDONED,
    INCIDENT_OPENED,
    RESTORED,
    Role,
)
from app.timestamps import parse_event_time

__all__ = ["FAMILY"]


def _kinds() -> tuple[EventKind, ...]:
    return typed_kinds(
        SOURCE,
        GITHUB_PAYLOADS,
        name=lambda kind: "GitHub" + kind.title().replace("_", "") + "Event",
        description=lambda kind: f"A GitHub `{kind}` delivery.",
        other=(
            "OtherGitHubEvent",
            "A GitHub delivery of a kind not typed here; its body is kept as sent.",
        ),
    )


# A deployment's outcome is its status: success, or failure and error (GitHub's two ways of
# saying it failed); queued, pending, in_progress and inactive are not outcomes.
_STATUS_ROLES = MappingProxyType(
    {"success": DEPLOYED, "failure": DEPLOYMENT_FAILED, "error": DEPLOYMENT_FAILED}
)
# Teams that track incidents as GitHub issues mark them with this label (any case).
_INCIDENT_LABEL = "incident"


def _plays(event: DeliveryFields) -> Role | None:
    kind, action = kind_and_action(event)
    if kind == "deployment_status":
        return _STATUS_ROLES.get(action or "")
    if kind == "issues":
        return _issue_plays(event.get("payload"), action)
    # A push starts the life of the commit it leaves its branch at (`after`).
    return CHANGE_PUSHED if kind == "push" else None


def _is_incident_label(label: Any) -> bool:
    name = label.get("name") if isinstance(label, Mapping) else None
    return isinstance(name, str) and name.casefold() == _INCIDENT_LABEL


def _issue_plays(payload: Any, action: str | None) -> Role | None:
    """An issue labelled `incident` is an incident: opened (or labelled so) it opens, closed
    it is restored; the label taken off abandons it (it was not one, so it has no time to
    restore). Opened with the label, GitHub also says it was labelled: the second opening of
    one open incident is not another (`app/insights/incidents.py`)."""
    if not isinstance(payload, Mapping):
        return None
    if action in ("labeled", "unlabeled"):
        if not _is_incident_label(payload.get("label")):
            return None
        return INCIDENT_OPENED if action == "labeled" else INCIDENT_ABANDONED
    issue = payload.get("issue")
    labels = issue.get("labels") if isinstance(issue, Mapping) else None
    if not isinstance(labels, list) or not any(_is_incident_label(label) for label in labels):
        return None
    return _ISSUE_ROLES.get(action or "")


_ISSUE_ROLES = MappingProxyType(
    {"opened": INCIDENT_OPENED, "reopened": INCIDENT_OPENED, "closed": RESTORED[0]}
)


def _pushed(event: DeliveryFields) -> Pushed | None:
    if event.get("type") != "push":
        return None
    payload = event.get("payload")
    forced = isinstance(payload, Mapping) and payload.get("forced") is True
    return read_push(payload, event.get("commit"), parse_event_time, forced=forced)


FAMILY = Family(
    source=SOURCE,
    title="GitHub",
    kinds=_kinds(),
    parse=github_event,
    graphql=GraphQLShape(
        union="GitHubEvent",
        union_description="A GitHub webhook delivery, one member per kind typed.",
        field="githubEvents",
        query_description="Stored GitHub webhook deliveries.",
        subscription_description="Every new GitHub webhook delivery that matches.",
        named={
            "type": "a GitHub delivery's `X-GitHub-Event`",
            "action": "a GitHub delivery's `action` (a deployment status's `state`, a completed "
            "workflow run's `conclusion`)",
            "repo": "a GitHub delivery's `repository.full_name`",
            "branch": "the branch a GitHub push, pull request (its base), deployment or workflow "
            "run is on",
            "commit": "a GitHub push's `after`, a deployment's `sha`, a workflow run's "
            "`head_sha`, a pull request's head (its merge commit once merged)",
            "actor": "a GitHub delivery's `sender.login`",
            "object": "a GitHub deployment's id, pull request's or issue's number, release's tag, "
            "workflow's name",
            "environment": "a GitHub deployment's (or its status's) `environment`",
        },
        fields=(
            MemberField(
                "payload", JSON, "The delivery's body exactly as sent.", lambda e: e.payload
            ),
        ),
        typed_part=lambda event: event.payload,
        typed_what="payload",
    ),
    cloudevents=CloudEventsOut(type_prefix="com.github", subject=lambda event: event.repo),
    delivery=DeliveryPart(
        plays=_plays,
        types={
            DEPLOYED[0]: frozenset({"deployment_status"}),
            CHANGE_PUSHED[0]: frozenset({"push"}),
            INCIDENT_OPENED[0]: frozenset({"issues"}),
        },
        # An issue's number names it (with its team and repository).
        subject_names_incident=True,
        reads=(
            "payload.issue.labels.name",
            "payload.label.name",
            "payload.before",
            "payload.forced",
            "payload.commits.id",
            "payload.commits.timestamp",
        ),
        pushed=_pushed,
    ),
    webhooks=(WEBHOOK,),
)
