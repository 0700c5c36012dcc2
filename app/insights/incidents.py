"""Incidents and what ends them: time to restore, each incident paired with its own
resolution (the rules are in `app/insights/dora.py`'s docstring and docs/insights.md)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.families.delivery import incident_identities
from app.families.roles import DEPLOYED, INCIDENT_ABANDONED, INCIDENT_OPENED, RESTORED
from app.filters import Condition, EventFilter, Op, all_of
from app.insights.durations import Durations
from app.insights.levels import DoraLevel, recovery_level
from app.insights.played import DeliveryReads, Row, playing

__all__ = [
    "IncidentWindow",
    "TimeToRestore",
    "incidents_in",
    "place",
    "time_to_restore",
]


@dataclass(frozen=True)
class TimeToRestore:
    durations: Durations
    unresolved_incidents: int
    paired_by_identity: int
    paired_by_order: int
    recovered_by_deployment: int
    abandoned_incidents: int
    level: DoraLevel | None


async def incidents_in(
    reads: DeliveryReads, scope: EventFilter, in_range: EventFilter
) -> tuple[list[Row], list[Row]]:
    """The incidents opened in the range, and what closes incidents (resolutions and
    abandonments) from the first of them on, each oldest first."""
    opened = await playing(reads, in_range, {INCIDENT_OPENED[0]})
    incidents = [row for row in opened if row["role"] == INCIDENT_OPENED]
    incidents.sort(key=lambda row: row["timestamp"])
    if not incidents:
        return [], []
    # A closing only answers a later incident: none before the first is needed.
    since = all_of([scope, Condition("timestamp", Op.GTE, incidents[0]["timestamp"])])
    closing_roles = {*RESTORED, INCIDENT_ABANDONED}
    read = await playing(reads, since, {name for name, _ in closing_roles})
    closings = [row for row in read if row["role"] in closing_roles]
    closings.sort(key=lambda row: row["timestamp"])
    return _distinct(incidents, closings), closings


def _distinct(incidents: list[Row], closings: list[Row]) -> list[Row]:
    """The incidents, an incident opened again while it is still open left out: one incident
    told twice (an issue opened with its label, then said to be labelled; an incident
    detected, then reported) is one. Opened again after it was closed, it is another."""
    opening = {id(row) for row in incidents}
    # At one time an opening comes first: told at once, it is still one incident.
    told = sorted(incidents + closings, key=lambda row: (row["timestamp"], id(row) not in opening))
    open_now: set[tuple[str | None, ...]] = set()
    kept: list[Row] = []
    for row in told:
        identities = set(incident_identities(row))
        if id(row) not in opening:
            open_now -= identities
        elif not identities & open_now:
            open_now |= identities
            kept.append(row)
    return kept


def place(row: Row) -> tuple[Any, Any]:
    """Where a delivery event happened: its team and repository."""
    return row.get("teamId"), row.get("repo")


@dataclass(frozen=True)
class IncidentWindow:
    """While an incident was open: from its opening to what ended it (its resolution, its
    abandonment, or, when nothing did, the repository's next successful deployment)."""

    place: tuple[Any, Any]
    opened: datetime
    ended: datetime | None


def _take_after(rows: list[Row], moment: datetime, taken: set[int]) -> Row | None:
    """The first of `rows` (oldest first) at or after `moment` not yet taken; now taken."""
    found = next((r for r in rows if r["timestamp"] >= moment and id(r) not in taken), None)
    if found is not None:
        taken.add(id(found))
    return found


async def time_to_restore(
    reads: DeliveryReads,
    scope: EventFilter,
    incidents: list[Row],
    closings: list[Row],
) -> tuple[TimeToRestore, list[IncidentWindow]]:
    by_identity: dict[Any, list[Row]] = defaultdict(list)
    by_place: dict[Any, list[Row]] = defaultdict(list)
    for closing in closings:
        identities = incident_identities(closing)
        for identity in identities:
            by_identity[identity].append(closing)
        if not identities and closing["role"] in RESTORED:
            # An abandonment must say which incident it ends; a resolution may not.
            by_place[place(closing)].append(closing)
    closing_teams = {row.get("teamId") for row in closings}
    deployed = await _deployed_after(reads, scope, incidents)
    taken: set[int] = set()
    spans: list[float] = []
    windows: list[IncidentWindow] = []
    counts = {"identity": 0, "order": 0, "deployment": 0, "abandoned": 0, "unresolved": 0}
    for incident in incidents:
        moment, match, way = incident["timestamp"], None, "identity"
        identities = incident_identities(incident)
        for identity in identities:
            match = match or _take_after(by_identity[identity], moment, taken)
        if not identities:  # one that names itself is resolved only by what names it
            match, way = _take_after(by_place[place(incident)], moment, taken), "order"
        # Not taken: one deployment may restore several incidents.
        next_deployment = next(
            (row for row in deployed[place(incident)] if row["timestamp"] > moment), None
        )
        if match is None and incident.get("teamId") not in closing_teams:
            match, way = next_deployment, "deployment"
        ended = match or next_deployment
        windows.append(
            IncidentWindow(place(incident), moment, None if ended is None else ended["timestamp"])
        )
        if match is None:
            counts["unresolved"] += 1
        elif match["role"] == INCIDENT_ABANDONED:
            counts["abandoned"] += 1
        else:
            counts[way] += 1
            spans.append((match["timestamp"] - moment).total_seconds())
    durations = Durations.of(spans)
    restored = TimeToRestore(
        durations=durations,
        level=recovery_level(durations.median_seconds),
        unresolved_incidents=counts["unresolved"],
        paired_by_identity=counts["identity"],
        paired_by_order=counts["order"],
        recovered_by_deployment=counts["deployment"],
        abandoned_incidents=counts["abandoned"],
    )
    return restored, windows


async def _deployed_after(
    reads: DeliveryReads, scope: EventFilter, incidents: list[Row]
) -> dict[Any, list[Row]]:
    """Successful deployments from the first of `incidents` on, oldest first, by what they
    concern: their team and repository, and (under the team and no repository) their team:
    what recovers the incidents of a team that sends no resolutions, and ends the window of
    one nothing resolved."""
    concerned: dict[Any, list[Row]] = defaultdict(list)
    if not incidents:
        return concerned
    since = all_of([scope, Condition("timestamp", Op.GTE, incidents[0]["timestamp"])])
    rows = await playing(reads, since, {DEPLOYED[0]})
    for row in sorted(rows, key=lambda row: row["timestamp"]):
        if row["role"] == DEPLOYED:
            concerned[place(row)].append(row)
            if row.get("repo") is not None:
                concerned[(row.get("teamId"), None)].append(row)
    return concerned
