"""A GitLab webhook delivery (its `X-Gitlab-Event` and its JSON body) into a `NewEvent`, as
`app/intake/deliveries.py` reads every delivery typed by a header: the type is GitLab's event
name as its header says it (`Push Hook`, `Deployment Hook`, …), and the named fields come from
where each kind keeps them (`_READINGS`), its times in GitLab's three forms (`gitlab_time`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.families.gitlab.payloads import GITLAB_PAYLOADS
from app.intake.deliveries import HeaderTypedDeliveries
from app.intake.paths import Path, Reading, text_at
from app.timestamps import parse_event_time

__all__ = ["EVENT_HEADER", "SOURCE", "gitlab_event", "gitlab_time"]

SOURCE = "GITLAB"
EVENT_HEADER = "X-Gitlab-Event"
_SHA = re.compile(r"[0-9a-f]{40}")


def gitlab_time(value: str) -> datetime:
    """GitLab's times: ISO 8601 (commits, merge requests, issues), `2026-11-05 10:00:00 +0100`
    (deployments) or `2026-11-05 08:12:41 UTC` (pipelines)."""
    written = value.strip()
    if written.endswith(" UTC"):
        written = written.removesuffix(" UTC") + "Z"
    return parse_event_time(written)


def _attribute(name: str) -> Path:
    return ("object_attributes", name)


def _pushed_head(body: Mapping[str, Any]) -> tuple[Path, ...]:
    """The time of the commit the push leaves its branch at (`checkout_sha`) among the
    commits sent (the newest 20, oldest first)."""
    commits = body.get("commits")
    head = body.get("checkout_sha")
    if not isinstance(commits, list):
        return ()
    for index, commit in enumerate(commits):
        if isinstance(commit, Mapping) and commit.get("id") == head:
            return (("commits", index, "timestamp"),)
    return ()


def _merge_request_commit(body: Mapping[str, Any]) -> str | None:
    if text_at(body, _attribute("state")) == "merged":
        merged = text_at(body, _attribute("merge_commit_sha"))
        if merged is not None:
            return merged
    return text_at(body, ("object_attributes", "last_commit", "id"))


def _deployed_commit(body: Mapping[str, Any]) -> str | None:
    # The full SHA ends the commit's URL; `short_sha` is its first eight characters.
    url = text_at(body, ("commit_url",))
    tail = url.rstrip("/").rsplit("/", 1)[-1] if url else ""
    return tail if _SHA.fullmatch(tail) else text_at(body, ("short_sha",))


def _attribute_text(name: str) -> Callable[[Mapping[str, Any]], str | None]:
    return lambda body: text_at(body, _attribute(name))


_READINGS: Mapping[str, Reading] = {
    "Push Hook": Reading(
        time_of=_pushed_head,
        # Null when the push deleted its branch.
        commit=lambda body: text_at(body, ("checkout_sha",)),
        branch=(("ref",),),
    ),
    "Merge Request Hook": Reading(
        time=(_attribute("updated_at"), _attribute("created_at")),
        commit=_merge_request_commit,
        branch=(_attribute("target_branch"),),
        object=(_attribute("iid"),),
        action=_attribute_text("action"),
    ),
    "Pipeline Hook": Reading(
        time=(_attribute("finished_at"), _attribute("created_at")),
        commit=_attribute_text("sha"),
        branch=(_attribute("ref"),),
        object=(_attribute("id"),),
        action=_attribute_text("status"),
    ),
    "Deployment Hook": Reading(
        time=(("status_changed_at",),),
        commit=_deployed_commit,
        branch=(("ref",),),
        object=(("deployment_id",),),
        environment=(("environment",),),
        action=lambda body: text_at(body, ("status",)),
    ),
    "Issue Hook": Reading(
        time=(_attribute("updated_at"), _attribute("created_at")),
        object=(_attribute("iid"),),
        action=_attribute_text("action"),
    ),
}
_OTHER = Reading(action=_attribute_text("action"))


_DELIVERIES = HeaderTypedDeliveries(
    source=SOURCE,
    kind_header=EVENT_HEADER,
    tool="GitLab",
    payloads=GITLAB_PAYLOADS,
    readings=_READINGS,
    other=_OTHER,
    repo=(("project", "path_with_namespace"),),
    actor=(("user_username",), ("user", "username")),
    parse_time=gitlab_time,
)
# A delivery as the webhook reads it: `{"event": X-Gitlab-Event, "body": its JSON}`.
gitlab_event = _DELIVERIES.event
