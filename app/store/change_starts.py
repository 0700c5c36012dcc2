"""Read model of when each commit's life started (its first event playing a `commit` or
`change`) and when it was deployed successfully, events of every family together (the parts
are `delivery_role`'s).

Lead time needs, for every commit deployed in a range, its first change at any time. Asked
commit by commit that costs a lookup each; here each commit has one document per scope a
metric can ask in (its team and repo, its team, its repo, everything), holding its earliest
change and the times of its successful deployments, so a metric reads the commits deployed in
its range with their first change in one range of an index (on the deployment times). Only
commits whose deployments are not absorbed yet are looked up one by one.

Absorbing is idempotent: `$min` and `$addToSet` leave the same document when a batch is
absorbed twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from app.insights.delivery_kinds import CHANGE_STARTS, DEPLOYED, delivery_role
from app.store.conditions import time_bounds_exclusive
from app.store.repeated_writes import done_already_is_fine

__all__ = ["ChangeStarts", "scope_key"]

Document = dict[str, Any]
# The embedded server's `$in` slows with the square of its list: short lists, more of them.
_IDS_PER_READ = 25


def scope_key(team: str | None, repo: str | None, *, any_team: bool, any_repo: bool) -> str:
    """The scope a metric asks in: a team (or any), a repo (or any)."""
    return json.dumps([[] if any_team else [team], [] if any_repo else [repo]])


class ChangeStarts:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def prepare(self) -> None:
        await self._collection.create_indexes(
            [IndexModel([("scope", ASCENDING), ("deploys", ASCENDING)], name="scope_deploys")]
        )

    async def absorb(self, events: Sequence[Mapping[str, Any]]) -> None:
        earliest: dict[tuple[str, str], datetime] = {}
        deployed: dict[tuple[str, str], set[datetime]] = defaultdict(set)
        for event in events:
            commit, role = event.get("commit"), delivery_role(event)
            if role is None or not isinstance(commit, str):
                continue
            moment = event["timestamp"]
            for scope in _scopes(event.get("teamId"), event.get("repo")):
                key = (scope, commit)
                if role[0] in CHANGE_STARTS:
                    earliest[key] = min(earliest.get(key, moment), moment)
                elif role == DEPLOYED:
                    deployed[key].add(moment)
        updates = [
            UpdateOne(
                {"_id": _document_id(scope, commit)},
                _update(
                    scope, commit, earliest.get((scope, commit)), deployed.get((scope, commit))
                ),
                upsert=True,
            )
            for scope, commit in earliest.keys() | deployed.keys()
        ]
        for start in range(0, len(updates), 1000):
            # Two processes absorbing the same batch race on an insert: the loser's $min is
            # the winner's, since both absorbed the same events.
            with done_already_is_fine():
                await self._collection.bulk_write(updates[start : start + 1000], ordered=False)

    async def first_changes(
        self,
        scope: str,
        commits: Iterable[str],
        deployed: tuple[datetime, datetime],
        max_time_ms: int,
    ) -> dict[str, datetime]:
        """The first change of each of `commits` in `scope`, for those that have one.

        Commits deployed in `deployed` come from one range; the others one by one.
        """
        wanted = set(commits)
        # An array matches a range when any of its times is in it, or two straddle it: each
        # document found is one of the wanted commits or is left out here.
        window = {"scope": scope, "deploys": {"$gte": deployed[0], "$lt": deployed[1]}}
        read = await self._collection.find(
            time_bounds_exclusive(window), {"commit": 1, "first": 1}, max_time_ms=max_time_ms
        ).to_list()
        seen = {document["commit"] for document in read}
        found = {
            document["commit"]: document["first"]
            for document in read
            if document["commit"] in wanted and "first" in document
        }
        others = sorted(wanted - seen)
        for start in range(0, len(others), _IDS_PER_READ):
            ids = [_document_id(scope, commit) for commit in others[start : start + _IDS_PER_READ]]
            for document in await self._collection.find(
                {"_id": {"$in": ids}}, max_time_ms=max_time_ms
            ).to_list():
                if "first" in document:  # deployed, but no change event seen yet
                    found[document["commit"]] = document["first"]
        return found


def _update(
    scope: str, commit: str, first: datetime | None, deploys: set[datetime] | None
) -> Document:
    update: Document = {"$setOnInsert": {"scope": scope, "commit": commit}}
    if first is not None:
        update["$min"] = {"first": first}
    if deploys:
        update["$addToSet"] = {"deploys": {"$each": sorted(deploys)}}
    return update


def _scopes(team: str | None, repo: str | None) -> list[str]:
    return [
        scope_key(team, repo, any_team=any_team, any_repo=any_repo)
        for any_team in (False, True)
        for any_repo in (False, True)
    ]


def _document_id(scope: str, commit: str) -> str:
    return f"{scope}|{commit}"
