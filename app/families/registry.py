"""The registry of event families: the one module that names them all.

Every layer that differs by family loops over `FAMILIES`; a family is added by its folder and
one line here. An event whose `source` is not here cannot be read or sent out by any of them.
"""

from __future__ import annotations

from app.families import cdevents, flexdeploy, github, gitlab, lifecycle, pagerduty
from app.families.family import EventKind, Family

__all__ = ["EVENT_KINDS", "FAMILIES", "SECRET_SOURCES", "SOURCES", "family_of", "kind_of"]

FAMILIES: tuple[Family, ...] = (
    lifecycle.FAMILY,
    flexdeploy.FAMILY,
    cdevents.FAMILY,
    github.FAMILY,
    gitlab.FAMILY,
    pagerduty.FAMILY,
)

SOURCES = tuple(family.source for family in FAMILIES)
EVENT_KINDS: tuple[EventKind, ...] = tuple(kind for family in FAMILIES for kind in family.kinds)

# The webhooks' names in `EVENTSTORE_WEBHOOK_SECRETS`.
SECRET_SOURCES = frozenset(
    webhook.secret_source
    for family in FAMILIES
    for webhook in family.webhooks
    if webhook.secret_source is not None
)

_BY_SOURCE = {family.source: family for family in FAMILIES}
_BY_TYPE = {
    (kind.source, stored): kind for kind in EVENT_KINDS for stored in (kind.type, *kind.also)
}


def _check_unique(what: str, names: list[str]) -> None:
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise RuntimeError(f"two families declare the {what} {', '.join(twice)}")


_check_unique("source", list(SOURCES))
_check_unique(
    "GraphQL type",
    [kind.graphql_name for kind in EVENT_KINDS] + [family.graphql.union for family in FAMILIES],
)
_check_unique("GraphQL field", [family.graphql.field for family in FAMILIES])
for _family in FAMILIES:
    if any(kind.source != _family.source for kind in _family.kinds):
        raise RuntimeError(f"{_family.source} declares a kind of another source")
    if sum(kind.type is None for kind in _family.kinds) != 1:
        raise RuntimeError(f"{_family.source} needs exactly one catch-all kind (type None)")


def family_of(source: str) -> Family:
    """The family of a stored event's `source`."""
    return _BY_SOURCE[source]


def kind_of(source: str, event_type: str) -> EventKind:
    """The kind of a stored event (its `type` is already canonical)."""
    return _BY_TYPE.get((source, event_type)) or _BY_TYPE[(source, None)]
