"""Every GraphQL example in the README and docs/, as written, through the clients frontends
use: Apollo Client (with the service's possibleTypes) and urql, and graphql-core's validation
against the published schema, which is what GraphiQL's editor checks before it sends a
document."""

from __future__ import annotations

import copy
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from graphql import parse, validate

from app.graphql.schema import schema
from tests.clients.node import node_client
from tests.utils.live import wait_until
from tests.utils.service import RunningService, reference

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def readme_documents() -> list[str]:
    """Each example once, though the README shows again one a page of docs/ explains."""
    found = (
        re.findall(r"```graphql\n(.*?)```", page.read_text(), flags=re.DOTALL) for page in PAGES
    )
    return list(dict.fromkeys(document for documents in found for document in documents))


def stage_message(status: str, execution: int = 1) -> dict[str, Any]:
    """FlexDeploy's documented "Pipeline Stage Completed" message, ended with `status`: one
    message per stage execution (the webhook stores a message sent twice once)."""
    messages = reference("flexdeploy-events.json")["examples"]
    stage = next(m for m in messages if m["eventType"] == "Pipeline Stage Completed")
    message = {k: v for k, v in copy.deepcopy(stage).items() if not k.startswith("_")}
    message["payload"]["pipelineStageExecution"]["executionStatus"] = status
    message["payload"]["pipelineStageExecution"]["stageExecutionId"] = execution
    return message


def without_typenames(value: Any) -> Any:
    """A result as the document asked for it: the clients add `__typename` for their caches."""
    if isinstance(value, dict):
        return {k: without_typenames(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [without_typenames(item) for item in value]
    return value


def test_every_readme_example_is_valid_against_the_schema() -> None:
    documents = readme_documents()

    assert len(documents) >= 7
    for document in documents:
        assert validate(schema._schema, parse(document)) == [], document


async def test_every_readme_example_runs_as_written_in_apollo_and_urql(
    service: RunningService,
) -> None:
    documents = readme_documents()
    variables = {"message": stage_message("SUCCESSFUL")}
    examples: list[dict[str, Any]] = [
        {"query": document, "variables": variables if "$message" in document else {}}
        for document in documents
    ]
    # Something for each example to read; the subscription's event arrives once subscribed.
    response = await service.http.post("/webhooks/flexdeploy", json=stage_message("FAILED"))
    assert response.status_code == 202, response.text
    answered: list[dict[str, Any]] = []
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(examples, file)
        file.flush()
        async with node_client("readme_examples.mjs", service, EXAMPLES=file.name) as client:
            while "done" not in (report := await client.next()):
                if report.get("subscribed"):
                    await wait_until(lambda: service.subscribers == 1)
                    failed = stage_message("FAILED", execution=len(answered))
                    response = await service.http.post("/webhooks/flexdeploy", json=failed)
                    assert response.status_code == 202, response.text
                else:
                    answered.append(report)
            await client.rest()
    assert [(r["client"], r["index"]) for r in answered] == [
        (client, index) for index in range(len(examples)) for client in ("apollo", "urql")
    ]
    for report in answered:
        assert report["errors"] == [], (report["client"], examples[report["index"]]["query"])
        assert report["data"], (report["client"], examples[report["index"]]["query"])
    subscribed = [r for r in answered if "subscription" in examples[r["index"]]["query"]]
    assert [r["data"]["events"]["type"] for r in subscribed] == ["Pipeline Stage Completed"] * 2
    # Each query was sent by both clients one after the other, nothing stored between: the
    # same answer, whatever each adds for its cache.
    by_client = {(r["client"], r["index"]): r["data"] for r in answered}
    for index, example in enumerate(examples):
        if example["query"].lstrip().startswith("{"):
            apollo, urql = by_client["apollo", index], by_client["urql", index]
            assert without_typenames(apollo) == without_typenames(urql), index
