"""The roles events play in the delivery metrics, whichever family tells them.

A role is the lifecycle (event name, action) an event counts as: CTO.ai's lifecycle names are
the metrics' vocabulary, and every family says which of its events play which role
(`DeliveryPart` of its declaration). `app.families.delivery` asks them all.
"""

from __future__ import annotations

__all__ = [
    "CHANGE_PUSHED",
    "CHANGE_STARTS",
    "DEPLOYED",
    "DEPLOYMENT_FAILED",
    "INCIDENT_ABANDONED",
    "INCIDENT_OPENED",
    "IN_AN_ENVIRONMENT",
    "RESTORED",
    "ROLE_NAMES",
    "Role",
]

Role = tuple[str, str]

DEPLOYED: Role = ("deployment", "succeeded")
DEPLOYMENT_FAILED: Role = ("deployment", "failed")
CHANGE_STARTS = ("commit", "change")  # event names, any action
# A commit pushed to a branch: where that commit's life starts.
CHANGE_PUSHED: Role = (CHANGE_STARTS[0], "pushed")
INCIDENT_OPENED: Role = ("incident", "initiated")
# CTO.ai's `failed`: "an incident that has failed to be resolved and abandoned".
INCIDENT_ABANDONED: Role = ("incident", "failed")
RESTORED: tuple[Role, ...] = (("incident", "succeeded"), ("recovery", "succeeded"))

# The roles that happen somewhere: where they did decides whether they count (production).
IN_AN_ENVIRONMENT = frozenset({DEPLOYED[0], INCIDENT_OPENED[0], *(name for name, _ in RESTORED)})

# Every role's name: an event plays (one of these, some action).
ROLE_NAMES = frozenset(
    {DEPLOYED[0], DEPLOYMENT_FAILED[0], *CHANGE_STARTS, INCIDENT_OPENED[0]}
    | {name for name, _ in RESTORED}
)
