"""Which stored events the DORA metrics read, of every family, and the part each one plays.

A role is the lifecycle (event name, action) an event counts as: a CTO.ai lifecycle event
plays itself, a CDEvent plays the lifecycle event it means (`service.rolledback` is a
`deployment` `failed`), a FlexDeploy pipeline stage that completed is a deployment to its
stage's environment, succeeded or failed as its execution ended. This module is the only
place that says so; the delivery read models, the reads of the log and the metrics all ask
`delivery_role`, so a metric means the same whichever path answers it. Here, apart from the
metrics, so the store's read models can keep exactly these events without depending on the
metrics themselves: with the catalog, below both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from app.catalog.cdevents import CDEVENT_TYPES

__all__ = [
    "CHANGE_STARTS",
    "DELIVERY_TYPES",
    "DEPLOYED",
    "DEPLOYMENT_FAILED",
    "DEPLOYMENT_OR_INCIDENT_TYPES",
    "INCIDENT_ABANDONED",
    "INCIDENT_OPENED",
    "IN_AN_ENVIRONMENT",
    "RESTORED",
    "Role",
    "delivery_role",
    "incident_identities",
    "stored_types",
]

Role = tuple[str, str]

DEPLOYED: Role = ("deployment", "succeeded")
DEPLOYMENT_FAILED: Role = ("deployment", "failed")
CHANGE_STARTS = ("commit", "change")  # event names, any action
INCIDENT_OPENED: Role = ("incident", "initiated")
# CTO.ai's `failed`: "an incident that has failed to be resolved and abandoned".
INCIDENT_ABANDONED: Role = ("incident", "failed")
RESTORED: tuple[Role, ...] = (("incident", "succeeded"), ("recovery", "succeeded"))

# The roles that happen somewhere: where they did decides whether they count (production).
IN_AN_ENVIRONMENT = frozenset({DEPLOYED[0], INCIDENT_OPENED[0], *(name for name, _ in RESTORED)})

_LIFECYCLE = "LIFECYCLE"
_CDEVENTS = "CDEVENTS"
_FLEXDEPLOY = "FLEXDEPLOY"
# FlexDeploy's one delivery event; its `action` is how the stage's execution ended.
_FLEXDEPLOY_STAGE = "Pipeline Stage Completed"
_FLEXDEPLOY_ROLES: Mapping[str, Role] = MappingProxyType(
    {"succeeded": DEPLOYED, "failed": DEPLOYMENT_FAILED}
)
# The lifecycle event names above: such an event plays (its name, its action).
_LIFECYCLE_NAMES = frozenset(
    {DEPLOYED[0], DEPLOYMENT_FAILED[0], *CHANGE_STARTS, INCIDENT_OPENED[0]}
    | {name for name, _ in RESTORED}
)

# CDEvents by (subject, predicate). A rollback is a deployment that failed: the change it
# replaced failed in production. Every change event starts its commit's life like a lifecycle
# `change` event (the earliest counts), so it keeps its predicate as the action.
_CDEVENT_ROLES: Mapping[tuple[str, str], Role] = MappingProxyType(
    {
        ("service", "deployed"): DEPLOYED,
        ("service", "upgraded"): DEPLOYED,
        ("service", "rolledback"): DEPLOYMENT_FAILED,
        ("incident", "detected"): INCIDENT_OPENED,
        ("incident", "reported"): INCIDENT_OPENED,
        ("incident", "resolved"): RESTORED[0],
    }
    | {
        (kind.subject, kind.predicate): ("change", kind.predicate)
        for kind in CDEVENT_TYPES.values()
        if kind.subject == "change"
    }
)
# The same by the stored `type`, the full type string (one version per type in the catalog).
_CDEVENT_TYPE_ROLES: Mapping[str, Role] = MappingProxyType(
    {
        name: _CDEVENT_ROLES[kind.subject, kind.predicate]
        for name, kind in CDEVENT_TYPES.items()
        if (kind.subject, kind.predicate) in _CDEVENT_ROLES
    }
)


def delivery_role(event: Mapping[str, Any]) -> Role | None:
    """The lifecycle (name, action) a stored event plays in the metrics; None: no part.

    Reads only `source`, `type` and `action`, which every delivery read keeps.
    """
    source, name = event.get("source"), event.get("type")
    if source == _LIFECYCLE and name in _LIFECYCLE_NAMES:
        action = event.get("action")
        return (name, action if isinstance(action, str) else "")
    if source == _CDEVENTS and isinstance(name, str):
        return _CDEVENT_TYPE_ROLES.get(name)
    if source == _FLEXDEPLOY and name == _FLEXDEPLOY_STAGE:
        return _FLEXDEPLOY_ROLES.get(str(event.get("action")))
    return None


def incident_identities(event: Mapping[str, Any]) -> tuple[tuple[str | None, ...], ...]:
    """What names one incident across the events about it, most telling first; none when they
    say nothing that does. A CDEvent's subject (the same `subject.id` on `incident.detected`
    and `incident.resolved`, kept as `object`); the commit CTO.ai's incident and recovery
    events both carry, or a CDEvent's through its artifact, with its team and repository (so
    an incident told in one family and resolved in the other still pairs).

    Reads only `source`, `teamId`, `repo`, `commit` and `object`, which every delivery read
    keeps.
    """
    team = event.get("teamId")
    names: list[tuple[str | None, ...]] = []
    subject = event.get("object")
    if event.get("source") == _CDEVENTS and isinstance(subject, str):
        names.append(("subject", team, subject))
    commit = event.get("commit")
    if isinstance(commit, str):
        names.append(("commit", team, event.get("repo"), commit))
    return tuple(names)


def stored_types(names: Iterable[str]) -> tuple[str, ...]:
    """The stored `type` values of the events that may play one of the roles `names`.

    What a read asks the store for, then tests each row with `delivery_role`: a `type`
    condition is what the log's and the read model's indexes lead with.
    """
    wanted = set(names)
    lifecycle = wanted & _LIFECYCLE_NAMES
    cdevents = {name for name, role in _CDEVENT_TYPE_ROLES.items() if role[0] in wanted}
    flexdeploy = {_FLEXDEPLOY_STAGE} if DEPLOYED[0] in wanted else set()
    return tuple(sorted(lifecycle | cdevents | flexdeploy))


# Every stored `type` with a role: the delivery read model keeps the events of these types.
DELIVERY_TYPES = frozenset(stored_types(_LIFECYCLE_NAMES))

# The stored `type`s that may be a deployment or an incident: what orders a breakdown.
DEPLOYMENT_OR_INCIDENT_TYPES = stored_types({DEPLOYED[0], INCIDENT_OPENED[0]})
