"""CTO.ai users point their curl commands and scripts here and change nothing else."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.utils.service import DATA, RunningService, bearer
from tests.utils.tokens import TEAM_A, TEAM_B

TEAM = "02f71e12-fa48-45aa-a1f2-956b425e5bee"


def documented_bodies() -> list[str]:
    """Every `POST /events` body of CTO.ai's docs, as printed (typos included)."""
    text = (DATA / "cto-workflow-events.txt").read_text()
    return re.findall(r"POST /events\n(\{.*?\n\})", text, flags=re.S)


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


BODIES = documented_bodies()
VALID = [body for body in BODIES if is_json(body)]
TYPOS = [body for body in BODIES if not is_json(body)]


async def post(service: RunningService, body: str, **headers: str) -> Any:
    return await service.http.post(
        "/events", content=body, headers={"content-type": "application/json", **headers}
    )


async def test_the_documented_examples_are_stored_and_read_back_as_documented(
    service: RunningService,
) -> None:
    # 22 documented bodies; 7 carry the docs' `"event_name":" "…"` typo.
    assert (len(VALID), len(TYPOS)) == (15, 7)

    answers = [await post(service, body) for body in VALID]
    everything = await service.http.get("/events", params={"team_id": TEAM})
    newest_first = await service.http.get(f"/events?team_id={TEAM}&$sort[timestamp]=-1")
    ten = await service.http.get(f"/events?team_id={TEAM}&$limit=10")

    assert [answer.status_code for answer in answers] == [201] * len(VALID)
    stored = [answer.json() for answer in answers]
    for sent, echoed in zip(VALID, stored, strict=True):
        assert {k: echoed[k] for k in json.loads(sent)} == json.loads(sent)
    page = everything.json()
    assert (page["total"], page["skip"], len(page["data"])) == (len(VALID), 0, len(VALID))
    assert {event["id"] for event in page["data"]} == {event["id"] for event in stored}
    times = [event["timestamp"] for event in newest_first.json()["data"]]
    assert times == sorted(times, reverse=True)
    assert len(times) == len(VALID)
    limited = ten.json()
    assert (limited["total"], limited["limit"], len(limited["data"])) == (len(VALID), 10, 10)


@pytest.mark.parametrize("body", TYPOS, ids=lambda body: json.dumps(body[:40]))
async def test_the_documented_typo_is_a_400_pointing_at_the_parse_error(
    service: RunningService, body: str
) -> None:
    answer = await post(service, body)

    assert answer.status_code == 400
    error = answer.json()
    assert error["name"] == "BadRequest"
    assert "line 2, column 17" in error["message"]
    assert await service.stored_count() == 0


async def test_invalid_fields_are_a_422_naming_each(service: RunningService) -> None:
    answer = await post(
        service, json.dumps({"event_name": "build", "event_action": "melted", "team_id": 7})
    )

    assert answer.status_code == 422
    fields = {item["field"] for item in answer.json()["errors"]}
    assert fields == {"event_action", "team_id"}
    assert await service.stored_count() == 0


async def test_a_retried_post_with_an_idempotency_key_stores_once(
    service: RunningService,
) -> None:
    body = VALID[0]

    first = await post(service, body, **{"Idempotency-Key": "ci-run-42-change"})
    retry = await post(service, body, **{"Idempotency-Key": "ci-run-42-change"})

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json() == retry.json()
    assert await service.stored_count() == 1


async def test_an_empty_idempotency_key_is_a_422_not_a_shared_key(
    service: RunningService,
) -> None:
    # `curl -H "Idempotency-Key: $KEY"` with KEY unset: each later event would be dropped.
    answers = [await post(service, VALID[n], **{"Idempotency-Key": ""}) for n in range(2)]

    assert [answer.status_code for answer in answers] == [422, 422]
    assert answers[0].json()["errors"] == [
        {"field": "Idempotency-Key", "message": "must not be blank; leave it out for none"}
    ]
    assert await service.stored_count() == 0


async def test_feathers_operators_select_and_skip(service: RunningService) -> None:
    for n, name in enumerate(["build", "deployment", "incident", "build", "deploy-canary"]):
        body = {"event_name": name, "event_action": "initiated", "team_id": "t", "attempt": n}
        await post(service, json.dumps({**body, "timestamp": f"2024-01-0{n + 1}T00:00:00Z"}))

    def names(query: str) -> Any:
        return [e.get("event_name") for e in service_get[query]["data"]]

    queries = [
        "event_name[$in]=build&event_name[$in]=incident&$sort[timestamp]=1",
        "event_name[$nin][]=build&$sort[timestamp]=1",
        "timestamp[$gte]=2024-01-03T00:00:00Z&$sort[timestamp]=-1",
        "attempt=2",
        "attempt[$gt]=2&$sort[timestamp]=1",
        "event_name[$ne]=build&$sort[event_name]=1&$sort[timestamp]=-1",
        "$sort[timestamp]=1&$skip=3&$limit=1",
        "$select[]=event_name&$select[]=attempt&$limit=1&$sort[timestamp]=1",
    ]
    service_get = {q: (await service.http.get(f"/events?{q}")).json() for q in queries}

    assert names(queries[0]) == ["build", "incident", "build"]
    assert names(queries[1]) == ["deployment", "incident", "deploy-canary"]
    assert names(queries[2]) == ["deploy-canary", "build", "incident"]
    assert names(queries[3]) == ["incident"]
    assert names(queries[4]) == ["build", "deploy-canary"]
    assert names(queries[5]) == ["deploy-canary", "deployment", "incident"]
    assert (names(queries[6]), service_get[queries[6]]["total"]) == (["build"], 5)
    assert set(service_get[queries[7]]["data"][0]) == {"id", "event_name", "attempt"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("$limit=5000", "$limit"),
        ("$where=1", "$where"),
        ("repo[$regex]=.*", "repo[$regex]"),
        ("timestamp[$gt]=soon", "timestamp[$gt]: 'soon' is not a timestamp"),
        ("&".join(f"repo[$in]=r{n}" for n in range(101)), "repo[$in]: lists at most 100 values"),
        ("$sort[timestamp]=up", "$sort[timestamp]"),
        ("$skip=-1", "$skip"),
    ],
)
async def test_bad_queries_are_a_400_naming_the_parameter(
    service: RunningService, query: str, field: str
) -> None:
    answer = await service.http.get(f"/events?{query}")

    assert answer.status_code == 400
    assert field in answer.json()["message"]


async def test_only_lifecycle_events_are_read(service: RunningService) -> None:
    await post(service, json.dumps({"event_name": "build", "event_action": "failed"}))
    await service.http.post("/webhooks/flexdeploy", json={"eventType": "Tag Assigned"})

    page = (await service.http.get("/events")).json()

    assert [event["event_name"] for event in page["data"]] == ["build"]


async def projected(service: RunningService, count: int) -> None:
    """Wait until the read model that sizes the windows holds `count` events."""
    for _ in range(300):
        # Private: no public call says how far the read models have come.
        if (await service.services.store._projection.checkpoint()).count >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the read models never caught up")


async def test_a_sparse_query_reaches_the_ends_of_the_calendar(guarded: RunningService) -> None:
    # Pages are read in windows of time that widen while nothing matches, from the newest
    # event (or the oldest, sorted ascending) on; the earliest and latest times accepted lie
    # in the years 1 and 9999 once moved to UTC.
    bodies = [{"event_name": "other", "timestamp": f"2024-05-{n + 1:02d}"} for n in range(20)]
    bodies += [
        {"event_name": "earliest", "timestamp": "0002-01-01T00:00:00+23:59"},
        {"event_name": "latest", "timestamp": "9998-12-31T23:59:59-23:59"},
    ]
    for body in bodies:
        await post(guarded, json.dumps(body), **bearer(TEAM_A))

    await projected(guarded, len(bodies))
    earliest = await guarded.http.get(
        "/events?event_name=earliest&$sort[timestamp]=-1", headers=bearer(TEAM_A)
    )
    latest = await guarded.http.get(
        "/events?event_name=latest&$sort[timestamp]=1", headers=bearer(TEAM_A)
    )

    assert (earliest.status_code, latest.status_code) == (200, 200)
    assert earliest.json()["data"][0]["timestamp"] == "0001-12-31T00:01:00+00:00"
    assert latest.json()["data"][0]["timestamp"] == "9999-01-01T23:58:59+00:00"


async def test_a_page_past_every_event_is_empty(guarded: RunningService) -> None:
    for day in range(1, 4):
        body = json.dumps({"event_name": "nightly", "timestamp": f"2024-05-0{day}"})
        await post(guarded, body, **bearer(TEAM_A))
    await projected(guarded, 3)

    answers = [
        await guarded.http.get(f"/events?$skip={skip}&$limit=1000", headers=bearer(TEAM_A))
        for skip in (3, 10**12, 2**63 - 1)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [answer.json()["data"] for answer in answers] == [[], [], []]


async def test_numbers_are_kept_within_the_64_bit_integer_range(service: RunningService) -> None:
    # One range for integers and fractions alike: the only one JSON Schema can state, since
    # it cannot tell 1e300 from an integer literal of 301 digits.
    kept = await post(service, '{"event_name": "load", "ratio": 0.25, "bytes": 9.2e18}')
    refused = await post(service, '{"event_name": "load", "ratio": 1e300, "bytes": 2e19}')

    assert (kept.status_code, refused.status_code) == (201, 422)
    assert {(item["field"], item["message"]) for item in refused.json()["errors"]} == {
        ("ratio", "number must lie within the 64-bit integer range"),
        ("bytes", "number must lie within the 64-bit integer range"),
    }
    assert await service.stored_count() == 1


async def test_one_event_is_read_by_its_id_as_feathers_get_does(guarded: RunningService) -> None:
    async def get(path: str, token: str = TEAM_A) -> Any:
        return await guarded.http.get(path, headers=bearer(token))

    sent = await guarded.http.post(
        "/events",
        json={"event_name": "deployment", "event_action": "succeeded"},
        headers=bearer(TEAM_A),
    )
    event_id = sent.json()["id"]
    webhook = await guarded.http.post(
        "/webhooks/flexdeploy", json={"eventType": "Tag Assigned"}, headers=bearer(TEAM_A)
    )

    own = await get(f"/events/{event_id}")
    others = await get(f"/events/{event_id}", TEAM_B)
    flexdeploy = await get(f"/events/{webhook.json()['id']}")
    unknown = await get("/events/6b0525963a264e9b186e52a1")
    malformed = await get("/events/not-an-id")
    without_token = await guarded.http.get(f"/events/{event_id}")

    assert own.status_code == 200
    assert own.json() == sent.json()  # the same shape as the answer to its POST
    # Another team's event is as unknown as one that never was; so are other families' ids.
    assert [r.status_code for r in (others, flexdeploy, unknown, malformed)] == [404] * 4
    assert others.json()["name"] == "NotFound"
    assert without_token.status_code == 401


async def test_the_documented_curl_for_reading_events_works_as_written(
    service: RunningService,
) -> None:
    page = (Path(__file__).parents[2] / "docs" / "rest.md").read_text().splitlines()
    written = next(line for line in page if line.startswith("curl") and "/events?" in line)
    command = shlex.split(written.replace("http://127.0.0.1:8000", service.url))

    curl = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await curl.communicate()

    assert curl.returncode == 0, err.decode()  # without -g, curl reads [..] as a URL range
    assert json.loads(out)["limit"] == 10
