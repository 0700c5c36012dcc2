"""GitHub's webhook deliveries as a family of the store."""

from __future__ import annotations

from types import MappingProxyType

from strawberry.scalars import JSON

from app.families.family import (
    CloudEventsOut,
    DeliveryPart,
    EventKind,
    Family,
    GraphQLShape,
    MemberField,
    typed_kinds,
)
from app.families.github.intake import SOURCE, github_event
from app.families.github.payloads import GITHUB_PAYLOADS
from app.families.github.webhook import WEBHOOK
from app.families.roles import CHANGE_PUSHED, DEPLOYED, DEPLOYMENT_FAILED, Role

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


def _plays(kind: str, action: str | None) -> Role | None:
    if kind == "deployment_status":
        return _STATUS_ROLES.get(action or "")
    # A push starts the life of the commit it leaves its branch at (`after`).
    return CHANGE_PUSHED if kind == "push" else None


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
        },
    ),
    webhooks=(WEBHOOK,),
)
