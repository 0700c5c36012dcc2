"""Read model of when each commit's life started (its first event playing a `commit` or
`change`) and when it was deployed successfully, events of every family together (the parts
are `delivery_role`'s).

Lead time needs, for every commit deployed in a range, its first change at any time. Asked
commit by commit that costs a lookup each; here each commit's document holds, for every scope
a metric can ask in (its team and repo, its team, its repo, everything), its earliest change
(`first`, by scope) and its successful deployments (`deploys`, scope and time), so a metric
reads the commits deployed in its range with their first change in one range of an index.
Only commits whose deployments are not absorbed yet are looked up one by one.

One document per commit, not per scope and commit: a batch then writes each commit once, where
four writes made this model the embedded server's largest cost when every event is the
deployment of a new commit.

Absorbing is idempotent: `$min` and `$addToSet` leave the same document when a batch is
absorbed twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from app.documents.keys import escape_key
from app.families.delivery import delivery_role, pushed
from app.families.roles import CHANGE_STARTS, DEPLOYED
from app.store.conditions import time_bounds_exclusive
from app.store.write_turns import WriteTurns

__all__ = ["ChangeStarts", "FirstChanges", "scope_key"]

Document = dict[str, Any]
# The embedded server's `$in` slows with the square of its list: short lists, more of them.
_IDS_PER_READ = 25


@dataclass(frozen=True)
class FirstChanges:
    """Each commit's first change (of those that have one), and which of the commits a push
    left a branch at: only from those does a deployment's walk back through pushes start
    (`app/insights/changes.py`)."""

    times: dict[str, datetime]
    pushed: frozenset[str]


def scope_key(team: str | None, repo: str | None, *, any_team: bool, any_repo: bool) -> str:
    """The scope a metric asks in: a team (or any), a repo (or any)."""
    return json.dumps([[] if any_team else [team], [] if any_repo else [repo]])


class ChangeStarts:
    collection_prefix: ClassVar[str] = "read_starts_"

    def __init__(self, collection: AsyncCollection[Document], turns: WriteTurns) -> None:
        self._collection = collection
        self._turns = turns

    async def prepare(self) -> None:
        await self._collection.create_indexes(
            [IndexModel([("deploys.s", ASCENDING), ("deploys.t", ASCENDING)], name="deploys")]
        )

    async def absorb(self, events: Sequence[Mapping[str, Any]], *, upto: int) -> None:
        earliest: dict[str, dict[str, datetime]] = defaultdict(dict)
        deployed: dict[str, set[tuple[str, datetime]]] = defaultdict(set)
        heads: set[str] = set()
        for event in events:
            commit, role = event.get("commit"), delivery_role(event)
            if role is None or not isinstance(commit, str):
                continue
            if role[0] in CHANGE_STARTS and pushed(event) is not None:
                heads.add(commit)
            moment = event["timestamp"]
            for scope in _scopes(event.get("teamId"), event.get("repo")):
                if role[0] in CHANGE_STARTS:
                    firsts = earliest[commit]
                    firsts[scope] = min(firsts.get(scope, moment), moment)
                elif role == DEPLOYED:
                    deployed[commit].add((scope, moment))
        updates = [
            UpdateOne(
                {"_id": commit},
                _update(earliest.get(commit, {}), deployed.get(commit, set()), commit in heads),
                upsert=True,
            )
            for commit in earliest.keys() | deployed.keys()
        ]
        # Two processes absorbing the same batch race on an insert: the loser's $min is the
        # winner's, since both absorbed the same events.
        await self._turns.write_models(self._collection, updates)

    async def first_changes(
        self,
        scope: str,
        commits: Iterable[str],
        deployed: tuple[datetime, datetime],
        max_time_ms: int,
    ) -> FirstChanges:
        """The first change of each of `commits` in `scope`, for those that have one, and
        which of them a push left a branch at (in any scope: a commit is the same everywhere).

        Commits deployed in `deployed` come from one range; the others one by one.
        """
        wanted = set(commits)
        field = {f"first.{escape_key(scope)}": 1, "pushed": 1}
        # The two conditions may hold on different deployments (of other scopes, at other
        # times): a commit found that is not wanted is left out, and a wanted one was deployed
        # in this scope and range, so its first change is the one asked for either way.
        window = {"deploys.s": scope, "deploys.t": {"$gte": deployed[0], "$lt": deployed[1]}}
        read = await self._collection.find(
            time_bounds_exclusive(window), field, max_time_ms=max_time_ms
        ).to_list()
        seen = {document["_id"] for document in read}
        others = sorted(wanted - seen)
        for start in range(0, len(others), _IDS_PER_READ):
            ids = others[start : start + _IDS_PER_READ]
            read += await self._collection.find(
                {"_id": {"$in": ids}}, field, max_time_ms=max_time_ms
            ).to_list()
        heads = frozenset(d["_id"] for d in read if d["_id"] in wanted and d.get("pushed"))
        return FirstChanges(_firsts(read, scope, wanted), heads)


def _firsts(documents: Iterable[Document], scope: str, wanted: set[str]) -> dict[str, datetime]:
    """Each wanted commit's first change in `scope`, when one was seen (a commit may have been
    deployed with no change event absorbed yet)."""
    key = escape_key(scope)
    return {
        document["_id"]: document["first"][key]
        for document in documents
        if document["_id"] in wanted and key in document.get("first", {})
    }


def _update(
    firsts: Mapping[str, datetime], deploys: set[tuple[str, datetime]], pushed_head: bool
) -> Document:
    update: Document = {"$set": {"pushed": True}} if pushed_head else {}
    if firsts:
        update["$min"] = {f"first.{escape_key(scope)}": moment for scope, moment in firsts.items()}
    if deploys:
        each = [{"s": scope, "t": moment} for scope, moment in sorted(deploys)]
        update["$addToSet"] = {"deploys": {"$each": each}}
    return update


def _scopes(team: str | None, repo: str | None) -> list[str]:
    return [
        scope_key(team, repo, any_team=any_team, any_repo=any_repo)
        for any_team in (False, True)
        for any_repo in (False, True)
    ]
