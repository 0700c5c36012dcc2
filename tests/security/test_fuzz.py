"""Every entry point fed what hypothesis generates, as a hostile or careless client would
send it: whatever comes in, the answer is never a 5xx and never INTERNAL_SERVER_ERROR.

The examples are derived from a fixed seed, so a run in CI is the same run every time;
raise EXAMPLES locally to search further.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.graphql.queries import INGEST_BATCH, INGEST_FLEXDEPLOY, INGEST_LIFECYCLE
from tests.utils.depth import tries
from tests.utils.service import RunningService

# Minutes of processes, kills or generated cases: `scripts/test --fast` leaves it out.
pytestmark = pytest.mark.slow

EXAMPLES = tries(quick=250, full=1000)

# Text that has broken parsers here or elsewhere, beside whatever hypothesis makes up.
AWKWARD = [
    "",
    " ",
    "²",
    "١٢",
    "\ud800",
    "\x00",
    "$where",
    "$gt",
    "a.b",
    "payload.$x",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01 00:00:00 +0500",
    "2026-11-16 00:00:00 -0500",
    "2026-02-30T00:00:00Z",
    "1702278096712265891840",
    "-1",
    "1e309",
    "NaN",
]
texts = st.one_of(st.text(max_size=24), st.sampled_from(AWKWARD))
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, width=64)
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)


def objects(known: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects whose keys are mostly the entry point's own, so validation is reached."""
    values = st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(known) | texts, inner, max_size=4)
        ),
        max_leaves=12,
    )
    return st.dictionaries(st.sampled_from(known) | texts, values, max_size=8)


LIFECYCLE = ["event_name", "event_action", "team_id", "commit", "branch", "repo", "timestamp"]
FLEXDEPLOY = ["eventType", "actor", "object", "timestamp", "payload", "pipelineId"]
LIFECYCLE_INPUT = ["eventName", "eventAction", "teamId", "commit", "branch", "repo", "timestamp"]
FILTER = [
    *("teamId", "source", "type", "action", "timestamp", "repo", "commit", "and", "or", "not"),
    *("field", "path", "eq", "ne", "in", "nin", "gt", "gte", "lt", "lte", "exists", "contains"),
]
QUERY_KEYS = [
    *("$limit", "$skip", "$sort[timestamp]", "$sort[$where]", "$select[]", "event_name"),
    *("team_id", "timestamp[$gte]", "timestamp[$lt]", "repo[$in][]", "data.x[$ne]", "$or"),
]

READ = """query($filter: EventFilter, $limit: Int, $after: String) {
  events(filter: $filter, limit: $limit, after: $after) { totalCount nodes { __typename } } }"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    content: bytes = b""
    params: tuple[tuple[str, str], ...] = ()

    def send(self, http: httpx.Client) -> httpx.Response:
        if self.method == "GET":
            # Percent-encoded by hand: a query string is bytes, and may hold what UTF-8 cannot.
            query = "&".join(f"{_escaped(key)}={_escaped(value)}" for key, value in self.params)
            return http.get(f"{self.path}?{query}")
        headers = {"content-type": "application/json"}
        return http.post(self.path, content=self.content, headers=headers)


def _escaped(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def internal_error(request: Request, response: httpx.Response) -> str | None:
    if response.status_code >= 500 or "INTERNAL_SERVER_ERROR" in response.text:
        return f"{request!r:.300} -> {response.status_code} {response.text[:300]}"
    return None


def post_json(path: str, value: Any) -> Request:
    return Request("POST", path, json.dumps(value).encode())


def graphql(query: str, variables: Any) -> Request:
    return post_json("/graphql", {"query": query, "variables": variables})


ENTRY_POINTS: dict[str, st.SearchStrategy[Request]] = {
    "POST /events": objects(LIFECYCLE).map(lambda body: post_json("/events", body)),
    "POST /webhooks/flexdeploy": objects(FLEXDEPLOY).map(
        lambda body: post_json("/webhooks/flexdeploy", body)
    ),
    "GraphQL ingest": st.one_of(
        st.builds(
            lambda event, key: graphql(INGEST_LIFECYCLE, {"input": event, "key": key}),
            objects(LIFECYCLE_INPUT),
            scalars,
        ),
        objects(FLEXDEPLOY).map(lambda event: graphql(INGEST_FLEXDEPLOY, {"input": event})),
    ),
    "GraphQL batch": st.builds(
        lambda lifecycle, flexdeploy: graphql(
            INGEST_BATCH, {"lifecycle": lifecycle, "flexDeploy": flexdeploy}
        ),
        st.lists(objects(LIFECYCLE_INPUT), max_size=3) | scalars,
        st.lists(objects(FLEXDEPLOY), max_size=3) | scalars,
    ),
    "GraphQL filter": st.builds(
        lambda filter, limit, after: graphql(
            READ, {"filter": filter, "limit": limit, "after": after}
        ),
        objects(FILTER),
        scalars,
        scalars,
    ),
    "GET /events": st.lists(st.tuples(st.sampled_from(QUERY_KEYS) | texts, texts), max_size=6).map(
        lambda pairs: Request("GET", "/events", params=tuple(pairs))
    ),
    "raw bodies": st.builds(
        lambda path, body: Request("POST", path, body),
        st.sampled_from(["/events", "/webhooks/flexdeploy", "/graphql"]),
        st.binary(max_size=64) | texts.map(lambda text: text.encode("utf-8", "surrogatepass")),
    ),
}


def fuzz(url: str, requests: st.SearchStrategy[Request]) -> list[str]:
    """Send EXAMPLES generated requests; the internal errors among their answers."""
    found: list[str] = []
    with httpx.Client(base_url=url, timeout=30) as http:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(requests)
        def send(request: Request) -> None:
            try:
                error = internal_error(request, request.send(http))
            except httpx.TransportError as dropped:
                # The server drops the connection after an unexpected error.
                error = f"{request!r:.300} -> connection dropped: {dropped!r}"
            if error is not None:
                found.append(error)

        send()
    return found


async def test_no_generated_input_reaches_an_internal_error(service: RunningService) -> None:
    errors = {
        name: await asyncio.to_thread(fuzz, service.url, requests)
        for name, requests in ENTRY_POINTS.items()
    }

    assert {name: found[:3] for name, found in errors.items() if found} == {}
