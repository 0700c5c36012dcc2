"""Which commits each deployment brought: its own, and every commit pushed before it that it
includes and no earlier deployment did.

A push says which commits it brought to its branch, each with its own time, and the commit the
branch was at before (`Pushed`). From a deployed commit, the pushes that left a branch at it
are followed back through the commits their branches were at before, until a commit
successfully deployed before (in the environments asked about, its commits brought then), a
new branch, a forced push, or a commit no stored push left a branch at. So lead time counts
every commit a deployment brought, each from its own time, from webhooks alone.

The walk costs a read per step back for the deployments still walking (25 commits a read):
what the deployments brought, not what the history holds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from app.families.delivery import pushed
from app.families.pushes import Pushed
from app.families.roles import CHANGE_STARTS, DEPLOYED
from app.filters import Condition, EventFilter, Op, all_of
from app.insights.played import DeliveryReads, playing

__all__ = ["Brought", "brought_by"]

# The embedded server's `$in` slows with the square of its list: short lists, more of them.
_COMMITS_PER_READ = 25


@dataclass(frozen=True)
class Brought:
    """A deployment (its commit's first success in the range) and the commits it brought,
    each with its time as a push listed it (None: no push listed it, as for a commit that was
    never pushed, or sent only by a tool that tells no pushes)."""

    commit: str
    deployed: datetime
    commits: Mapping[str, datetime | None]


async def brought_by(
    reads: DeliveryReads,
    scope: EventFilter,
    deployed: Mapping[str, datetime],
    pushed_heads: Collection[str],
) -> list[Brought]:
    """What each deployed commit (with its first success) brought, oldest deployment first;
    a commit two deployments reach is brought by the first. Only from a commit a push left a
    branch at (`pushed_heads`) is there a walk: a history told by no pushes costs no read."""
    pushes: dict[str, list[Pushed]] = {}
    first_deployed: dict[str, datetime] = {}
    asked: set[str] = set()
    walks = {commit: _Walk(commit, moment) for commit, moment in deployed.items()}
    walking = [walk for walk in walks.values() if walk.commit in pushed_heads]
    while walking:
        heads = {head for walk in walking for head in walk.frontier}
        await _read_pushes(reads, scope, heads - pushes.keys(), pushes)
        taken = [(walk, walk.take(pushes)) for walk in walking]
        befores = {before for _, following in taken for before in following}
        await _read_deployed(reads, scope, befores - asked, first_deployed)
        asked |= befores
        for walk, following in taken:
            walk.move_on(following, first_deployed)
        walking = [walk for walk in walking if walk.frontier]
    claimed: set[str] = set()
    answer: list[Brought] = []
    for walk in sorted(walks.values(), key=lambda walk: (walk.deployed, walk.commit)):
        commits = {c: t for c, t in walk.commits.items() if c not in claimed}
        claimed |= commits.keys()
        answer.append(Brought(walk.commit, walk.deployed, commits))
    return answer


class _Walk:
    """One deployment's walk back through the pushes."""

    def __init__(self, commit: str, deployed: datetime) -> None:
        self.commit, self.deployed = commit, deployed
        self.commits: dict[str, datetime | None] = {commit: None}
        self.frontier: set[str] = {commit}
        self._seen: set[str] = {commit}

    def take(self, pushes: Mapping[str, list[Pushed]]) -> set[str]:
        """Take in the commits the pushes to the frontier brought; the commits their branches
        were at before, not yet seen: where the walk may go next."""
        following: set[str] = set()
        for head in self.frontier:
            for push in pushes.get(head, ()):
                for commit, moment in push.commits:
                    listed = self.commits.get(commit)
                    self.commits[commit] = moment if listed is None else min(listed, moment)
                if push.before is not None and push.before not in self._seen:
                    following.add(push.before)
        return following

    def move_on(self, following: set[str], first_deployed: Mapping[str, datetime]) -> None:
        self._seen |= following
        # A commit deployed before this deployment brought what lies behind it then.
        self.frontier = {
            before
            for before in following
            if before not in first_deployed or first_deployed[before] >= self.deployed
        }


def _chunks(commits: Iterable[str]) -> list[tuple[str, ...]]:
    ordered = sorted(commits)
    return [
        tuple(ordered[index : index + _COMMITS_PER_READ])
        for index in range(0, len(ordered), _COMMITS_PER_READ)
    ]


async def _read_pushes(
    reads: DeliveryReads, scope: EventFilter, heads: set[str], into: dict[str, list[Pushed]]
) -> None:
    """The pushes that left a branch at each of `heads`, added to `into` (an empty list for
    a head none did)."""
    found: dict[str, list[Pushed]] = defaultdict(list)
    for chunk in _chunks(heads):
        of_chunk = all_of([scope, Condition("commit", Op.IN, chunk)])
        for row in await playing(reads, of_chunk, CHANGE_STARTS):
            push = pushed(row)
            if push is not None:
                found[push.head].append(push)
    for head in heads:
        into[head] = found.get(head, [])


async def _read_deployed(
    reads: DeliveryReads, scope: EventFilter, commits: set[str], into: dict[str, datetime]
) -> None:
    """The first successful deployment (in the environments asked about, at any time) of
    each of `commits` that has one, added to `into`."""
    for chunk in _chunks(commits):
        of_chunk = all_of([scope, Condition("commit", Op.IN, chunk)])
        for row in await playing(reads, of_chunk, {DEPLOYED[0]}):
            commit, moment = row["commit"], row["timestamp"]
            if row["role"] == DEPLOYED:
                into[commit] = min(into.get(commit, moment), moment)
