"""The families of events the store speaks, each one folder that declares everything about it
(`family.Family`), and the registry that lists them (`registry`).

`family` and `roles` are what a family declares itself with; `registry` and `delivery` are
what the rest of the service asks.
"""

from app.families.family import EventKind, Family
from app.families.registry import (
    EVENT_KINDS,
    FAMILIES,
    SECRET_SOURCES,
    SOURCES,
    family_of,
    kind_of,
)

__all__ = [
    "EVENT_KINDS",
    "FAMILIES",
    "SECRET_SOURCES",
    "SOURCES",
    "EventKind",
    "Family",
    "family_of",
    "kind_of",
]
