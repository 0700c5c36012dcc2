"""GitLab's webhook deliveries as a family of the store."""

from __future__ import annotations

from types import MappingProxyType

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
from app.families.gitlab.intake import SOURCE, gitlab_event, gitlab_time
from app.families.gitlab.payloads import GITLAB_PAYLOADS
from app.families.gitlab.webhook import WEBHOOK
from app.families.pushes import Pushed, read_push
from app.families.roles import CHANGE_PUSHED, DEPLOYED, DEPLOYMENT_FAILED, Role

__all__ = ["FAMILY"]

_DEPLOYMENT = "Deployment Hook"
_PUSH = "Push Hook"


def _kinds() -> tuple[EventKind, ...]:
    return typed_kinds(
        SOURCE,
        GITLAB_PAYLOADS,
        name=lambda kind: "GitLab" + kind.title().replace(" ", "") + "Event",
        description=lambda kind: f"A GitLab `{kind}` delivery.",
        other=(
            "OtherGitLabEvent",
            "A GitLab delivery of a kind not typed here; its body is kept as sent.",
        ),
    )


# A deployment's outcome is its status: success or failed; running and canceled are not
# outcomes (a canceled deployment changed nothing).
_STATUS_ROLES = MappingProxyType({"success": DEPLOYED, "failed": DEPLOYMENT_FAILED})


def _plays(event: DeliveryFields) -> Role | None:
    kind, action = kind_and_action(event)
    if kind == _DEPLOYMENT:
        return _STATUS_ROLES.get(action or "")
    # A push starts the life of the commit it leaves its branch at (`checkout_sha`).
    return CHANGE_PUSHED if kind == _PUSH else None


def _pushed(event: DeliveryFields) -> Pushed | None:
    if event.get("type") != _PUSH:
        return None
    return read_push(event.get("payload"), event.get("commit"), gitlab_time)


FAMILY = Family(
    source=SOURCE,
    title="GitLab",
    kinds=_kinds(),
    parse=gitlab_event,
    graphql=GraphQLShape(
        union="GitLabEvent",
        union_description="A GitLab webhook delivery, one member per kind typed.",
        field="gitlabEvents",
        query_description="Stored GitLab webhook deliveries.",
        subscription_description="Every new GitLab webhook delivery that matches.",
        named={
            "type": "a GitLab delivery's `X-Gitlab-Event`",
            "action": "a GitLab deployment's or pipeline's `status`, a merge request's or "
            "issue's `action`",
            "repo": "a GitLab delivery's `project.path_with_namespace`",
            "branch": "the branch a GitLab push, merge request (its target), pipeline or "
            "deployment is on",
            "commit": "a GitLab push's `checkout_sha`, a deployment's (from `commit_url`), a "
            "pipeline's `sha`, a merge request's merge commit (its last commit until merged)",
            "actor": "a GitLab delivery's user (`user_username`, `user.username`)",
            "object": "a GitLab deployment's `deployment_id`, a pipeline's id, a merge "
            "request's or issue's `iid`",
            "environment": "a GitLab deployment's `environment`",
        },
        fields=(
            MemberField(
                "payload", JSON, "The delivery's body exactly as sent.", lambda e: e.payload
            ),
        ),
        typed_part=lambda event: event.payload,
        typed_what="payload",
    ),
    cloudevents=CloudEventsOut(type_prefix="com.gitlab", subject=lambda event: event.repo),
    delivery=DeliveryPart(
        plays=_plays,
        types={DEPLOYED[0]: frozenset({_DEPLOYMENT}), CHANGE_PUSHED[0]: frozenset({_PUSH})},
        reads=("payload.before", "payload.commits.id", "payload.commits.timestamp"),
        pushed=_pushed,
    ),
    webhooks=(WEBHOOK,),
)
