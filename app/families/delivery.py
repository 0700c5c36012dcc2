"""Which stored events the DORA metrics read, of every family, and the part each one plays.

Each family says which of its events play which role (its declaration's `DeliveryPart`); this
module is the only place that asks them. The delivery read models, the reads of the log and the
metrics all ask `delivery_role`, so a metric means the same whichever path answers it. Here,
apart from the metrics, so the store's read models can keep exactly these events without
depending on the metrics themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.families.pushes import Pushed
from app.families.registry import FAMILIES
from app.families.roles import DEPLOYED, INCIDENT_OPENED, ROLE_NAMES, Role

__all__ = [
    "DELIVERY_PATHS",
    "DELIVERY_TYPES",
    "DEPLOYMENT_OR_INCIDENT_TYPES",
    "delivery_role",
    "incident_identities",
    "pushed",
    "stored_types",
]

_PARTS = {family.source: family.delivery for family in FAMILIES}

# The paths of a stored event beyond its named fields that some family's part reads: the
# delivery reads keep them beside the named fields.
DELIVERY_PATHS = frozenset(path for part in _PARTS.values() for path in part.reads)


def delivery_role(event: Mapping[str, Any]) -> Role | None:
    """The role (name, action) a stored event plays in the metrics; None: no part.

    Reads only the fields every delivery read keeps (`DELIVERY_PATHS` among them).
    """
    part = _PARTS.get(str(event.get("source")))
    if part is None or not isinstance(event.get("type"), str):
        return None
    return part.plays(event)


def pushed(event: Mapping[str, Any]) -> Pushed | None:
    """What a stored push brought to its branch, when its family says (`DeliveryPart.pushed`)."""
    part = _PARTS.get(str(event.get("source")))
    return None if part is None else part.pushed(event)


def incident_identities(event: Mapping[str, Any]) -> tuple[tuple[str | None, ...], ...]:
    """What names one incident across the events about it, most telling first; none when they
    say nothing that does. The subject, for a family whose events about one incident share it
    (kept as `object`); the commit, which incident and recovery events carry themselves or
    through the artifact they name, with its team and repository, so an incident told in one
    family and resolved in another still pairs.

    Reads only `source`, `teamId`, `repo`, `commit` and `object`, which every delivery read
    keeps.
    """
    team = event.get("teamId")
    names: list[tuple[str | None, ...]] = []
    subject, part = event.get("object"), _PARTS.get(str(event.get("source")))
    if part is not None and part.subject_names_incident and isinstance(subject, str):
        # With its repository: a GitHub issue's number is one only within its repository.
        names.append(("subject", team, event.get("repo"), subject))
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
    return tuple(
        sorted(
            {
                stored
                for part in _PARTS.values()
                for name in wanted
                for stored in part.types.get(name, ())
            }
        )
    )


# Every stored `type` with a role: the delivery read model keeps the events of these types.
DELIVERY_TYPES = frozenset(stored_types(ROLE_NAMES))

# The stored `type`s that may be a deployment or an incident: what orders a breakdown.
DEPLOYMENT_OR_INCIDENT_TYPES = stored_types({DEPLOYED[0], INCIDENT_OPENED[0]})
