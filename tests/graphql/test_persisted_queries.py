"""Apollo's automatic persisted queries: a hash alone, then the query once, then the hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tests.utils.service import RunningService

QUERY = "{ events(limit: 1) { totalCount } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def persisted(digest: str = HASH) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_a_hash_alone_is_asked_for_its_query_then_remembered(
    service: RunningService,
) -> None:
    unknown = (await service.http.post("/graphql", json={"extensions": persisted()})).json()
    sent = await service.http.post("/graphql", json={"query": QUERY, "extensions": persisted()})
    # Apollo sends hashed queries by GET, to be cached along the way.
    by_get = await service.http.get("/graphql", params={"extensions": json.dumps(persisted())})

    assert unknown["errors"][0]["message"] == "PersistedQueryNotFound"
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert sent.json() == {"data": {"events": {"totalCount": 0}}}
    assert by_get.json() == {"data": {"events": {"totalCount": 0}}}


async def test_a_query_under_another_hash_is_refused_and_not_kept(
    service: RunningService,
) -> None:
    planted = "{ __typename }"
    refused = await service.http.post(
        "/graphql", json={"query": planted, "extensions": persisted()}
    )
    after = await service.http.post("/graphql", json={"extensions": persisted()})

    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "sha256Hash" in error["message"]
    assert after.json()["errors"][0]["message"] == "PersistedQueryNotFound"
