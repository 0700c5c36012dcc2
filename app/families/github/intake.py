"""A GitHub webhook delivery (its `X-GitHub-Event` and its JSON body) into a `NewEvent`.

The type is GitHub's event name (`push`, `deployment_status`, …); the body is `raw`, exactly
as sent, and `payload`, checked against its kind's model where the kind is typed. The named
fields come from where each kind says them (`_READINGS`); a time GitHub sends that does not
read as one is refused, naming its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.errors import FieldError
from app.events import NewEvent
from app.families.github.payloads import GITHUB_PAYLOADS
from app.intake import BodyFields, IntakeLimits
from app.intake.bodies import field_problems
from app.timestamps import parse_event_time

__all__ = ["EVENT_HEADER", "SOURCE", "github_event"]

SOURCE = "GITHUB"
EVENT_HEADER = "X-GitHub-Event"
_NO_COMMIT = "0" * 40  # `after` of a push that deleted its branch

Path = tuple[str, ...]


def _state_or_action(body: Mapping[str, Any]) -> str | None:
    return _text(body, ("deployment_status", "state")) or _text(body, ("action",))


def _conclusion_or_action(body: Mapping[str, Any]) -> str | None:
    if body.get("action") == "completed":
        return _text(body, ("workflow_run", "conclusion")) or "completed"
    return _text(body, ("action",))


def _pushed_commit(body: Mapping[str, Any]) -> str | None:
    after = _text(body, ("after",))
    return None if after == _NO_COMMIT else after


def _pull_request_commit(body: Mapping[str, Any]) -> str | None:
    if _at(body, ("pull_request", "merged")) is True:
        return _text(body, ("pull_request", "merge_commit_sha"))
    return _text(body, ("pull_request", "head", "sha"))


@dataclass(frozen=True)
class _Reading:
    """Where a kind says its named fields: the first path that holds a value wins."""

    time: tuple[Path, ...] = ()
    commit: Callable[[Mapping[str, Any]], str | None] = lambda body: None
    branch: tuple[Path, ...] = ()
    object: tuple[Path, ...] = ()
    environment: tuple[Path, ...] = ()
    action: Callable[[Mapping[str, Any]], str | None] = lambda body: _text(body, ("action",))


_READINGS: Mapping[str, _Reading] = {
    "push": _Reading(
        time=(("head_commit", "timestamp"),), commit=_pushed_commit, branch=(("ref",),)
    ),
    "pull_request": _Reading(
        time=(("pull_request", "updated_at"),),
        commit=_pull_request_commit,
        branch=(("pull_request", "base", "ref"),),
        object=(("pull_request", "number"),),
    ),
    "deployment": _Reading(
        time=(("deployment", "created_at"),),
        commit=lambda body: _text(body, ("deployment", "sha")),
        branch=(("deployment", "ref"),),
        object=(("deployment", "id"),),
        environment=(("deployment", "environment"),),
    ),
    "deployment_status": _Reading(
        time=(("deployment_status", "updated_at"), ("deployment_status", "created_at")),
        commit=lambda body: _text(body, ("deployment", "sha")),
        branch=(("deployment", "ref"),),
        object=(("deployment", "id"),),
        environment=(("deployment_status", "environment"), ("deployment", "environment")),
        action=_state_or_action,
    ),
    "workflow_run": _Reading(
        time=(("workflow_run", "updated_at"),),
        commit=lambda body: _text(body, ("workflow_run", "head_sha")),
        branch=(("workflow_run", "head_branch"),),
        object=(("workflow_run", "name"),),
        action=_conclusion_or_action,
    ),
    "release": _Reading(
        time=(("release", "published_at"), ("release", "created_at")),
        branch=(("release", "target_commitish"),),
        object=(("release", "tag_name"),),
    ),
    "issues": _Reading(time=(("issue", "updated_at"),), object=(("issue", "number"),)),
}
_OTHER = _Reading()


def github_event(delivery: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A delivery as the webhook reads it: `{"event": X-GitHub-Event, "body": its JSON}`."""
    kind = delivery.get("event") if isinstance(delivery, Mapping) else None
    fields = BodyFields(delivery.get("body") if isinstance(delivery, Mapping) else None)
    fields.check_limits(limits)
    if not isinstance(kind, str) or not kind.strip():
        fields.fail((EVENT_HEADER,), "is required: the kind of event GitHub delivers")
        kind = ""
    model = GITHUB_PAYLOADS.get(kind)
    if model is not None and not fields.errors:
        try:
            model.model_validate(fields.body)
        except ValidationError as error:
            fields.errors += field_problems(error.errors())
    reading = _READINGS.get(kind, _OTHER)
    body = fields.body
    timestamp = _time(fields, reading.time) if not fields.errors else None
    fields.raise_if_invalid()
    return NewEvent(
        source=SOURCE,
        type=kind,
        action=reading.action(body),
        repo=_text(body, ("repository", "full_name")),
        branch=_branch(_first(body, reading.branch)),
        commit=reading.commit(body),
        actor=_text(body, ("sender", "login")),
        object=_first(body, reading.object),
        environment=_first(body, reading.environment),
        timestamp=timestamp or received_at,
        payload=body,
        raw=body,
    )


def _time(fields: BodyFields, paths: tuple[Path, ...]) -> datetime | None:
    for path in paths:
        value = _at(fields.body, path)
        if value is None:
            continue
        if not isinstance(value, str):
            fields.errors.append(FieldError(path, "must be a timestamp string"))
            return None
        try:
            return parse_event_time(value)
        except ValueError as error:
            fields.errors.append(FieldError(path, str(error)))
            return None
    return None


def _branch(ref: str | None) -> str | None:
    # A push names a full ref; a tag is not a branch.
    if ref is None or ref.startswith("refs/tags/"):
        return None
    return ref.removeprefix("refs/heads/") or None


def _first(body: Mapping[str, Any], paths: tuple[Path, ...]) -> str | None:
    for path in paths:
        value = _at(body, path)
        # Numbers (a pull request's, a deployment's id) read as text, as filters compare them.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value:
            return value
    return None


def _text(body: Mapping[str, Any], path: Path) -> str | None:
    value = _at(body, path)
    return value if isinstance(value, str) and value else None


def _at(body: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(body, Mapping):
            return None
        body = body.get(key)
    return body
