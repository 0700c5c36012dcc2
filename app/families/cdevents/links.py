"""Linking CDEvents to the change they deliver, before they are stored.

A CDEvents deployment, rollback or incident names only the artifact it is about; the
artifact's `artifact.packaged` event names the change it was built from, and the change's
events name its repository. The delivery metrics count by commit and repo, so each such event
is stored with the `commit` and `repo` of the latest packaging of its artifact by the same team
(earlier in its batch, or stored before), and a packaging with the `repo` of its change. An
artifact packaged after it was deployed stays unlinked: stored events are never rewritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.events import NewEvent, StoredEvent
from app.families.cdevents.intake import SOURCE
from app.families.cdevents.types import type_strings
from app.families.family import Lookup

__all__ = ["link_cdevents"]

_PACKAGED = type_strings("artifact", "packaged")
_CHANGES = type_strings("change")


async def link_cdevents(events: Sequence[NewEvent], lookup: Lookup) -> list[NewEvent]:
    """`events` with `commit` and `repo` filled where an earlier event links them."""
    linked: list[NewEvent] = []
    for event in events:
        if event.source == SOURCE:
            event = await _linked(event, linked, lookup)
        linked.append(event)
    return linked


async def _linked(event: NewEvent, earlier: list[NewEvent], lookup: Lookup) -> NewEvent:
    if event.type in _PACKAGED and event.commit is not None and event.repo is None:
        change = await _latest(event.commit, event.team_id, _CHANGES, earlier, lookup)
        return event if change is None else event.model_copy(update={"repo": change.repo})
    artifact = _artifact_of(event)
    if artifact is None or event.commit is not None:
        return event
    packaging = await _latest(artifact, event.team_id, _PACKAGED, earlier, lookup)
    if packaging is None:
        return event
    return event.model_copy(update={"commit": packaging.commit, "repo": packaging.repo})


async def _latest(
    subject: str,
    team_id: str | None,
    types: Sequence[str],
    earlier: list[NewEvent],
    lookup: Lookup,
) -> NewEvent | StoredEvent | None:
    for event in reversed(earlier):
        if event.object == subject and event.team_id == team_id and event.type in types:
            return event
    return await lookup(subject, team_id, types)


def _artifact_of(event: NewEvent) -> str | None:
    content: Any = event.raw.get("subject", {}).get("content")
    artifact = content.get("artifactId") if isinstance(content, dict) else None
    return artifact if isinstance(artifact, str) else None
