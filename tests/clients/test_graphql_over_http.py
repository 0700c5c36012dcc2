"""graphql-http's server audits: /graphql as the GraphQL-over-HTTP spec describes it, including
application/graphql-response+json with its status codes."""

from __future__ import annotations

from collections import Counter

from tests.clients.node import node_client
from tests.utils.service import RunningService
from tests.utils.tokens import TEAM_A


async def test_every_graphql_over_http_audit_passes(guarded: RunningService) -> None:
    async with node_client("audit.mjs", guarded, TEAM_A) as client:
        audits = await client.rest(within=60)

    failed = [
        f"{a['status']} {a['id']} {a['name']}: {a['reason']}" for a in audits if a["status"] != "ok"
    ]
    assert failed == []
    assert Counter(audit["status"] for audit in audits) == {"ok": 61}
