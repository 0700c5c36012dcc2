"""Hostile and malformed input, on every entry point: each gets a 4xx (or BAD_USER_INPUT) that
names what is wrong, nothing is stored, and nothing reaches an internal error."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import httpx

from tests.graphql.queries import INGEST_BATCH, INGEST_LIFECYCLE
from tests.utils.service import RunningService

DEEP = "[" * 5000 + "]" * 5000
DEEPER = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000
YEAR_1_EAST = "0001-01-01T00:00:00+05:00"
YEAR_9999_WEST = "9999-12-31T23:59:59-05:00"

LITERAL = 'mutation { ingestLifecycleEvent(input: {eventName: "x", data: {n: @}}) { created } }'
TOTAL = "query($filter: EventFilter) { events(filter: $filter) { totalCount } }"


@dataclass(frozen=True)
class Hostile:
    """One request as sent on the wire (text, so it can hold what JSON encoders refuse)."""

    name: str
    path: str
    body: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    # What the refusal must say: the field it names, or the limit it states.
    says: str = ""


def variables(query: str, raw_variables: str) -> str:
    return '{"query": ' + json.dumps(query) + ', "variables": ' + raw_variables + "}"


def holding(template: str, value: str) -> str:
    """`template` (JSON text) with `value` in place of its `@`."""
    return template.replace("@", value)


CASES = [
    # Nesting far past any accepted event, in a body and in GraphQL variables.
    Hostile(
        "REST, 5,000 levels", "/events", holding('{"event_name": "x", "data": @}', DEEP), says="256"
    ),
    Hostile(
        "REST, 100,000 levels",
        "/events",
        holding('{"event_name": "x", "d": @}', DEEPER),
        says="256",
    ),
    Hostile(
        "webhook, 5,000 levels",
        "/webhooks/flexdeploy",
        holding('{"eventType": "x", "payload": @}', DEEP),
        says="256",
    ),
    Hostile(
        "GraphQL variables, 5,000 levels",
        "/graphql",
        variables(INGEST_LIFECYCLE, holding('{"input": {"eventName": "x", "data": @}}', DEEP)),
        says="256",
    ),
    Hostile(
        "GraphQL variables, 100,000 levels",
        "/graphql",
        variables(INGEST_LIFECYCLE, holding('{"input": {"eventName": "x", "data": @}}', DEEPER)),
        says="256",
    ),
    # Times that leave the years 1 to 9999 once moved to UTC.
    Hostile(
        "REST, year 1 east of UTC",
        "/events",
        json.dumps({"event_name": "x", "timestamp": YEAR_1_EAST}),
        says="timestamp",
    ),
    Hostile(
        "REST, year 9999 west of UTC",
        "/events",
        json.dumps({"event_name": "x", "timestamp": YEAR_9999_WEST}),
        says="timestamp",
    ),
    Hostile(
        "webhook, FlexDeploy's form, year 1",
        "/webhooks/flexdeploy",
        json.dumps({"eventType": "x", "timestamp": "0001-01-01 00:00:00 +0500"}),
        says="timestamp",
    ),
    Hostile(
        "GraphQL ingest, year 1",
        "/graphql",
        variables(
            INGEST_LIFECYCLE, json.dumps({"input": {"eventName": "x", "timestamp": YEAR_1_EAST}})
        ),
        says="input.timestamp",
    ),
    Hostile(
        "GraphQL batch, year 9999",
        "/graphql",
        variables(
            INGEST_BATCH,
            json.dumps({"lifecycle": [{"eventName": "x", "timestamp": YEAR_9999_WEST}]}),
        ),
        says="lifecycle[0].timestamp",
    ),
    Hostile(
        "GraphQL filter, year 1",
        "/graphql",
        variables(TOTAL, json.dumps({"filter": {"timestamp": {"gte": YEAR_1_EAST}}})),
        says="'$filter' has invalid value at .timestamp.gte",
    ),
    Hostile(
        "GraphQL filter, year 9999",
        "/graphql",
        variables(TOTAL, json.dumps({"filter": {"timestamp": {"lt": YEAR_9999_WEST}}})),
        says="'$filter' has invalid value at .timestamp.lt",
    ),
    Hostile(
        "query string, year 1",
        "/events",
        params={"timestamp[$gte]": YEAR_1_EAST},
        says="timestamp[$gte]",
    ),
    # Integers of 5,000 digits.
    Hostile(
        "REST, 5,000 digits",
        "/events",
        holding('{"event_name": "x", "n": @}', HUGE),
        says="n: integer does not fit in 64 bits",
    ),
    Hostile(
        "webhook, an id of 5,000 digits",
        "/webhooks/flexdeploy",
        holding('{"eventType": "x", "payload": {"pipelineId": @}}', HUGE),
        says="payload.pipelineId",
    ),
    Hostile(
        "GraphQL variables, 5,000 digits",
        "/graphql",
        variables(
            INGEST_LIFECYCLE, holding('{"input": {"eventName": "x", "data": {"n": -@}}}', HUGE)
        ),
        says="input.data.n",
    ),
    Hostile(
        "GraphQL batch, 5,000 digits",
        "/graphql",
        variables(
            INGEST_BATCH, holding('{"lifecycle": [{"eventName": "x", "data": {"n": @}}]}', HUGE)
        ),
        says="lifecycle[0].data.n",
    ),
    Hostile(
        "GraphQL literal, 5,000 digits",
        "/graphql",
        json.dumps({"query": LITERAL.replace("@", HUGE)}),
        says="input.data.n: integer does not fit in 64 bits",
    ),
    # Lone surrogates: JSON can carry them, UTF-8 (and so MongoDB) cannot.
    Hostile(
        "REST, a lone surrogate in a key",
        "/events",
        '{"event_name": "x", "\\ud800": 1}',
        says="\\ud800",
    ),
    Hostile(
        "REST, a lone surrogate in a value",
        "/events",
        '{"event_name": "\\udfff"}',
        says="event_name",
    ),
    Hostile(
        "GraphQL, a lone surrogate in a key",
        "/graphql",
        variables(INGEST_LIFECYCLE, '{"input": {"eventName": "x", "data": {"\\ud800": 1}}}'),
        says="input.data.\\ud800",
    ),
    Hostile(
        "GraphQL, a lone surrogate in a key",
        "/graphql",
        variables(INGEST_LIFECYCLE, '{"input": {"eventName": "x"}, "key": "\\ud800"}'),
        says="idempotencyKey",
    ),
    # Query strings: ASCII decimals within 64 bits.
    Hostile("$limit of a superscript two", "/events", params={"$limit": "²"}, says="$limit"),
    Hostile("$skip of a superscript one", "/events", params={"$skip": "¹"}, says="$skip"),
    Hostile(
        "$skip past 64 bits", "/events", params={"$skip": "100000000000000000000"}, says="$skip"
    ),
    Hostile(
        "$skip far past 64 bits",
        "/events",
        params={"$skip": "1702278096712265891840"},
        says="$skip",
    ),
    Hostile("$sort on an operator", "/events", params={"$sort[$where]": "1"}, says="$sort[$where]"),
    # A body that says two things.
    Hostile(
        "REST, a repeated key",
        "/events",
        '{"event_name": "build", "event_name": "deployment"}',
        says='"event_name"',
    ),
    Hostile(
        "webhook, a repeated key",
        "/webhooks/flexdeploy",
        '{"eventType": "a", "payload": {"id": 1, "id": 2}}',
        says='"id"',
    ),
    Hostile(
        "GraphQL variables, a repeated key",
        "/graphql",
        variables(INGEST_LIFECYCLE, '{"input": {"eventName": "a", "eventName": "b"}}'),
        says='"eventName"',
    ),
]


async def send(http: httpx.AsyncClient, case: Hostile) -> httpx.Response:
    if case.body is None:
        return await http.get(case.path, params=case.params)
    content = case.body.encode("utf-8", "surrogatepass")
    return await http.post(case.path, content=content, headers={"content-type": "application/json"})


def refusal(response: httpx.Response) -> str | None:
    """The refusal's text, or None when the answer is not a refusal of bad input."""
    if 400 <= response.status_code < 500:
        return response.text
    if response.status_code == 200 and response.request.url.path == "/graphql":
        errors = response.json().get("errors") or []
        if errors and all(e["extensions"]["code"] == "BAD_USER_INPUT" for e in errors):
            return json.dumps(errors)
    return None


async def test_hostile_input_is_refused_naming_the_field_and_nothing_is_stored(
    service: RunningService,
) -> None:
    wrong: list[str] = []
    for case in CASES:
        response = await send(service.http, case)
        said = refusal(response)
        if said is None:
            wrong.append(f"{case.name}: {response.status_code} {response.text[:200]}")
        elif case.says not in said.encode().decode("unicode_escape", "replace"):
            wrong.append(f"{case.name}: does not say {case.says!r}: {said[:200]}")

    assert wrong == []
    assert await service.stored_count() == 0
