"""A GitHub webhook delivery (its `X-GitHub-Event` and its JSON body) into a `NewEvent`, as
`app/intake/deliveries.py` reads every delivery typed by a header: the type is GitHub's event
name (`push`, `deployment_status`, …), and the named fields come from where each kind keeps
them (`_READINGS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.families.github.payloads import GITHUB_PAYLOADS
from app.families.pushes import NO_COMMIT
from app.intake.deliveries import HeaderTypedDeliveries
from app.intake.paths import Reading, at, text_at

__all__ = ["EVENT_HEADER", "SOURCE", "github_event"]

SOURCE = "GITHUB"
EVENT_HEADER = "X-GitHub-Event"


def _state_or_action(body: Mapping[str, Any]) -> str | None:
    return text_at(body, ("deployment_status", "state")) or text_at(body, ("action",))


def _conclusion_or_action(body: Mapping[str, Any]) -> str | None:
    if body.get("action") == "completed":
        return text_at(body, ("workflow_run", "conclusion")) or "completed"
    return text_at(body, ("action",))


def _pushed_commit(body: Mapping[str, Any]) -> str | None:
    after = text_at(body, ("after",))
    return None if after == NO_COMMIT else after


def _pull_request_commit(body: Mapping[str, Any]) -> str | None:
    if at(body, ("pull_request", "merged")) is True:
        return text_at(body, ("pull_request", "merge_commit_sha"))
    return text_at(body, ("pull_request", "head", "sha"))


def _action(body: Mapping[str, Any]) -> str | None:
    return text_at(body, ("action",))


_READINGS: Mapping[str, Reading] = {
    "push": Reading(
        time=(("head_commit", "timestamp"),),
        commit=_pushed_commit,
        branch=(("ref",),),
        action=_action,
    ),
    "pull_request": Reading(
        time=(("pull_request", "updated_at"),),
        commit=_pull_request_commit,
        branch=(("pull_request", "base", "ref"),),
        object=(("pull_request", "number"),),
        action=_action,
    ),
    "deployment": Reading(
        time=(("deployment", "created_at"),),
        commit=lambda body: text_at(body, ("deployment", "sha")),
        branch=(("deployment", "ref"),),
        object=(("deployment", "id"),),
        environment=(("deployment", "environment"),),
        action=_action,
    ),
    "deployment_status": Reading(
        time=(("deployment_status", "updated_at"), ("deployment_status", "created_at")),
        commit=lambda body: text_at(body, ("deployment", "sha")),
        branch=(("deployment", "ref"),),
        object=(("deployment", "id"),),
        environment=(("deployment_status", "environment"), ("deployment", "environment")),
        action=_state_or_action,
    ),
    "workflow_run": Reading(
        time=(("workflow_run", "updated_at"),),
        commit=lambda body: text_at(body, ("workflow_run", "head_sha")),
        branch=(("workflow_run", "head_branch"),),
        object=(("workflow_run", "name"),),
        action=_conclusion_or_action,
    ),
    "release": Reading(
        time=(("release", "published_at"), ("release", "created_at")),
        branch=(("release", "target_commitish"),),
        object=(("release", "tag_name"),),
        action=_action,
    ),
    "issues": Reading(
        time=(("issue", "updated_at"),), object=(("issue", "number"),), action=_action
    ),
}
_OTHER = Reading(action=_action)


_DELIVERIES = HeaderTypedDeliveries(
    source=SOURCE,
    kind_header=EVENT_HEADER,
    tool="GitHub",
    payloads=GITHUB_PAYLOADS,
    readings=_READINGS,
    other=_OTHER,
    repo=(("repository", "full_name"),),
    actor=(("sender", "login"),),
)
# A delivery as the webhook reads it: `{"event": X-GitHub-Event, "body": its JSON}`.
github_event = _DELIVERIES.event
