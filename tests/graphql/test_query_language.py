"""The query language as a frontend uses it: filters, sorts, limits and cursors."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.graphql.queries import INGEST_BATCH
from tests.utils.service import RunningService, reference

FLEXDEPLOY = reference("flexdeploy-events.json")["examples"]

NODE_FIELDS = """
    __typename
    ... on Event { id type action teamId timestamp raw }
    ... on OtherFlexDeployEvent { payload }
"""
SEARCH = f"""
query Search($filter: EventFilter, $sort: [EventSort!], $limit: Int, $after: String) {{
    events(filter: $filter, sort: $sort, limit: $limit, after: $after) {{
        totalCount
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {NODE_FIELDS} }}
    }}
}}
"""
# What a client paging through results asks: no count on every page.
NEXT_PAGE = f"""
query NextPage($filter: EventFilter, $sort: [EventSort!], $limit: Int, $after: String) {{
    events(filter: $filter, sort: $sort, limit: $limit, after: $after) {{
        pageInfo {{ hasNextPage endCursor }}
        nodes {{ {NODE_FIELDS} }}
    }}
}}
"""


def example(event_type: str) -> dict[str, Any]:
    found = next(m for m in FLEXDEPLOY if m["eventType"] == event_type)
    return {key: copy.deepcopy(value) for key, value in found.items() if not key.startswith("_")}


async def ingest(
    service: RunningService,
    lifecycle: list[dict[str, Any]] | None = None,
    flexdeploy: list[dict[str, Any]] | None = None,
) -> None:
    answer = await service.graphql(INGEST_BATCH, lifecycle=lifecycle, flexDeploy=flexdeploy)
    assert answer.errors == []


async def search(service: RunningService, query: str = SEARCH, **variables: Any) -> dict[str, Any]:
    answer = await service.graphql(query, **variables)
    assert answer.errors == [], answer.errors
    events: dict[str, Any] = answer.data["events"]
    return events


async def read_all_pages(service: RunningService, limit: int, **variables: Any) -> list[Any]:
    nodes: list[Any] = []
    after = None
    while True:
        page = await search(service, NEXT_PAGE, limit=limit, after=after, **variables)
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


# -- paging through 1,000 events under three sorts ------------------------------------------


def thousand_events() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    scores: list[Any] = [0, 1, 2.5, 7, "A", "B", "c", None]
    lifecycle = [
        {
            "eventName": ["build", "deployment", "ticket"][n % 3],
            "eventAction": ["initiated", "succeeded", "done"][n % 3],
            "teamId": f"team-{n % 4}",
            # Timestamps repeat, so ties are broken by the store's sequence.
            "timestamp": (start + timedelta(minutes=n // 5)).isoformat(),
        }
        for n in range(400)
    ]
    flexdeploy = []
    for n in range(600):
        payload: dict[str, Any] = {"gate": f"g{n % 9}"}
        if n % 10:  # one in ten has no score at all
            payload["score"] = scores[n % len(scores)]
        flexdeploy.append(
            {
                "eventType": "Quality Gate Scored",
                "timestamp": (start + timedelta(minutes=n // 3)).strftime(
                    "%Y-%m-%d %H:%M:%S +0000"
                ),
                "payload": payload,
            }
        )
    return lifecycle, flexdeploy


def mongo_rank(value: Any) -> tuple[int, Any]:
    """MongoDB's order of missing/null, numbers and strings."""
    if value is None:
        return (1, 0)
    if isinstance(value, int | float):
        return (2, value)
    return (3, value)


NOT_DEPLOYMENTS = {"not": {"type": {"eq": "deployment"}}}


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (None, lambda node: [node["timestamp"]]),
        (
            [{"field": "payload.score", "order": "ASC"}],
            lambda node: [mongo_rank((node.get("payload") or {}).get("score"))],
        ),
        (
            [{"field": "type", "order": "ASC"}, {"field": "timestamp", "order": "DESC"}],
            lambda node: [node["type"], -datetime.fromisoformat(node["timestamp"]).timestamp()],
        ),
    ],
    ids=["timestamp desc", "payload path asc", "type then timestamp"],
)
async def test_paging_1000_events_yields_each_match_once_in_order(
    service: RunningService, sort: list[dict[str, str]] | None, key: Any
) -> None:
    lifecycle, flexdeploy = thousand_events()
    await ingest(service, lifecycle, flexdeploy)
    expected = 1000 - sum(1 for event in lifecycle if event["eventName"] == "deployment")

    # Pages of 23, a size nothing aligns with: ~40 page boundaries to cross.
    nodes = await read_all_pages(service, 23, filter=NOT_DEPLOYMENTS, sort=sort)
    first = await search(service, limit=7, filter=NOT_DEPLOYMENTS, sort=sort)

    assert first["totalCount"] == expected
    assert len(nodes) == len({node["id"] for node in nodes}) == expected
    keys = [key(node) for node in nodes]
    descending = sort is None
    assert keys == sorted(keys, reverse=descending)


# -- the use cases, on the seed examples -----------------------------------------------------


async def test_failed_pipeline_stages_in_production_this_week(service: RunningService) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    week_start = now - timedelta(days=7)

    def stage(status: str, environment: str, when: datetime) -> dict[str, Any]:
        message = example("Pipeline Stage Completed")
        message["payload"]["pipelineStageExecution"]["executionStatus"] = status
        message["payload"]["environment"]["environmentCode"] = environment
        message["timestamp"] = when.strftime("%Y-%m-%d %H:%M:%S +0000")
        return message

    wanted = stage("FAILED", "PRODUCTION", now - timedelta(days=1))
    await ingest(
        service,
        flexdeploy=[
            wanted,
            stage("FAILED", "PRODUCTION", now - timedelta(days=30)),
            stage("FAILED", "DEV", now - timedelta(days=1)),
            stage("SUCCESSFUL", "PRODUCTION", now - timedelta(days=2)),
            example("Comment Added"),
        ],
    )

    found = await search(
        service,
        filter={
            "type": {"eq": "Pipeline Stage Completed"},
            "timestamp": {"gte": week_start.isoformat()},
            "field": [
                {"path": "payload.pipelineStageExecution.executionStatus", "eq": "FAILED"},
                {"path": "payload.environment.environmentCode", "eq": "PRODUCTION"},
            ],
        },
    )

    assert found["totalCount"] == 1
    assert found["nodes"][0]["raw"] == wanted


async def test_comments_that_mention_jira(service: RunningService) -> None:
    mentions = example("Comment Added")
    mentions["payload"]["commentText"] = '{"text":"please open a Jira ticket"}'
    edited = example("Comment Updated")
    edited["payload"]["commentText"] = '{"text":"linked to Jira OPS-7"}'
    await ingest(
        service,
        lifecycle=[{"eventName": "ticket", "eventAction": "todo", "data": {"note": "Jira"}}],
        flexdeploy=[mentions, edited, example("Comment Added"), example("Tag Assigned")],
    )

    found = await search(
        service,
        filter={
            "type": {"startsWith": "Comment "},
            "field": [{"path": "payload.commentText", "contains": "Jira"}],
        },
    )

    assert sorted(node["raw"]["payload"]["commentText"] for node in found["nodes"]) == sorted(
        [mentions["payload"]["commentText"], edited["payload"]["commentText"]]
    )


async def test_the_last_10_events_of_a_team(service: RunningService) -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    events = [
        {
            "eventName": "build",
            "eventAction": "succeeded",
            "teamId": "team-x" if n % 2 else "team-y",
            "timestamp": (start + timedelta(hours=n)).isoformat(),
            "data": {"n": n},
        }
        for n in range(30)
    ]
    await ingest(service, lifecycle=events)

    found = await search(service, filter={"teamId": {"eq": "team-x"}}, limit=10)

    assert found["totalCount"] == 15
    assert [node["raw"]["n"] for node in found["nodes"]] == list(range(29, 10, -2))


async def test_tickets_in_progress_for_repo_api(service: RunningService) -> None:
    def ticket(action: str, repo: str) -> dict[str, Any]:
        return {
            "eventName": "ticket",
            "eventAction": action,
            "repo": repo,
            "data": {"key": f"{action}-{repo}"},
        }

    await ingest(
        service,
        lifecycle=[
            ticket("inprogress", "api"),
            ticket("InProgress", "api"),
            ticket("inprogress", "web"),
            ticket("done", "api"),
            {"eventName": "build", "eventAction": "initiated", "repo": "api"},
        ],
    )

    found = await search(
        service,
        filter={"type": {"eq": "ticket"}, "action": {"eq": "inprogress"}, "repo": {"eq": "api"}},
    )

    assert found["totalCount"] == 2
    assert {node["action"] for node in found["nodes"]} == {"inprogress"}


async def test_or_and_not_nest(service: RunningService) -> None:
    await ingest(
        service,
        lifecycle=[
            {"eventName": "incident", "eventAction": "initiated", "teamId": "a"},
            {"eventName": "incident", "eventAction": "succeeded", "teamId": "b"},
            {"eventName": "recovery", "eventAction": "succeeded", "teamId": "a"},
            {"eventName": "build", "eventAction": "failed", "teamId": "a"},
        ],
    )

    found = await search(
        service,
        filter={
            "or": [{"type": {"eq": "incident"}}, {"type": {"eq": "recovery"}}],
            "not": {"teamId": {"eq": "b"}},
        },
    )

    assert sorted(node["type"] for node in found["nodes"]) == ["incident", "recovery"]


# -- safe by construction --------------------------------------------------------------------


async def test_operator_text_in_values_is_matched_literally(service: RunningService) -> None:
    await ingest(
        service,
        lifecycle=[
            {"eventName": "build", "eventAction": "failed", "repo": '{"$gt": ""}'},
            {"eventName": "build", "eventAction": "failed", "repo": "api"},
        ],
        flexdeploy=[
            {"eventType": "Odd", "payload": {"$where": "sleep(1000)", "text": "(a+)+$"}},
            {"eventType": "Odd", "payload": {"text": "a" * 40 + "!"}},
        ],
    )

    by_repo = await search(service, filter={"repo": {"eq": '{"$gt": ""}'}})
    by_dollar_key = await search(
        service, filter={"field": [{"path": "payload.$where", "exists": True}]}
    )
    by_bomb = await search(
        service, filter={"field": [{"path": "payload.text", "contains": "(a+)+$"}]}
    )
    by_prefix = await search(service, filter={"repo": {"startsWith": ".*"}})

    assert by_repo["totalCount"] == 1
    assert by_dollar_key["totalCount"] == 1
    assert [node["payload"]["text"] for node in by_bomb["nodes"]] == ["(a+)+$"]
    assert by_prefix["totalCount"] == 0


def nested_not(depth: int) -> dict[str, Any]:
    inner: dict[str, Any] = {"type": {"eq": "build"}}
    for _ in range(depth):
        inner = {"not": inner}
    return inner


@pytest.mark.parametrize(
    ("filter_", "where", "words"),
    [
        ({"field": [{"path": "$where", "eq": 1}]}, "filter.field[0].path", "not a stored field"),
        ({"field": [{"path": "payload.a", "eq": {"$gt": ""}}]}, "filter.field[0].eq", "object"),
        ({"field": [{"path": "payload.a", "in": [{"$ne": 1}]}]}, "filter.field[0].in[0]", "object"),
        ({"field": [{"path": "payload.a", "gt": True}]}, "filter.field[0].gt", "number"),
        ({"field": [{"path": "payload..a", "exists": True}]}, "filter.field[0].path", "empty"),
        ({"field": [{"path": "payload.items.0", "eq": 1}]}, "filter.field[0].path", "array"),
        (
            {"field": [{"path": "payload.a", "contains": "x\u0000"}]},
            "filter.field[0].contains",
            "NUL",
        ),
        ({"teamId": {"in": [str(n) for n in range(101)]}}, "filter.teamId.in", "at most 100"),
        ({"repo": {"contains": "\ud800"}}, "filter.repo.contains", "Unicode"),
        ({"and": [{"repo": {"eq": str(n)}} for n in range(101)]}, "filter.and[100]", "at most 100"),
        (nested_not(7), "filter.not.not.not.not.not.not", "nest"),
    ],
    ids=[
        "operator as path",
        "operator object as value",
        "operator object in a list",
        "boolean range",
        "empty path segment",
        "array position",
        "NUL in contains",
        "list too long",
        "not Unicode",
        "too many conditions",
        "nested too deep",
    ],
)
async def test_unsafe_or_oversized_filters_are_refused(
    service: RunningService, filter_: dict[str, Any], where: str, words: str
) -> None:
    answer = await service.graphql(SEARCH, filter=filter_)

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert where in answer.errors[0]["message"]
    assert words in answer.errors[0]["message"]


async def test_sorting_by_an_unknown_field_is_refused(service: RunningService) -> None:
    answer = await service.graphql(SEARCH, sort=[{"field": "$natural"}])

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "sort[0].field" in answer.errors[0]["message"]


async def test_a_cursor_only_continues_its_own_sort(service: RunningService) -> None:
    await ingest(service, lifecycle=[{"eventName": "build", "eventAction": "failed"}] * 3)
    page = await search(service, limit=1)

    answer = await service.graphql(
        SEARCH, limit=1, after=page["pageInfo"]["endCursor"], sort=[{"field": "type"}]
    )

    assert answer.error_codes == ["BAD_USER_INPUT"]
    assert "different sort" in answer.errors[0]["message"]
