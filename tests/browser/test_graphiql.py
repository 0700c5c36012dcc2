"""GraphiQL as a browser user meets it: everything from the service alone, with tokens on.

Drives Debian's Chromium through Playwright (`tests/browser/chromium.py`), with every request
to another host refused and recorded.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.chromium import RESULTS, OffService, needs_chromium
from tests.graphql.queries import INGEST_LIFECYCLE
from tests.utils.live import build, wait_until
from tests.utils.service import RunningService
from tests.utils.tokens import TEAM_A

SCREENSHOT = RESULTS / "graphiql.png"

QUERY = "{ events(limit: 5) { totalCount nodes { ... on Event { id teamId } } } }"
SUBSCRIPTION = "subscription { events { ... on Event { id type teamId } } }"

pytestmark = [needs_chromium, pytest.mark.slow]


async def ingest(service: RunningService, n: int) -> str:
    answer = await service.graphql(INGEST_LIFECYCLE, token=TEAM_A, input=build(n, "team-a"))
    assert answer.errors == []
    event_id: str = answer.data["ingestLifecycleEvent"]["event"]["id"]
    return event_id


async def run_in_graphiql(page: Page, document: str) -> None:
    """Type `document` into the query editor (GraphiQL's CodeMirror) and press run."""
    await page.evaluate(
        "text => document.querySelector('.graphiql-query-editor .CodeMirror')"
        ".CodeMirror.setValue(text)",
        document,
    )
    await page.click(".graphiql-execute-button")


async def shown_result(page: Page, holding: str) -> Any:
    """The result pane's JSON, once its text holds `holding`."""
    pane = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
    await page.wait_for_function(f"text => {pane}.includes(text)", arg=holding)
    return json.loads(await page.evaluate(pane))


async def test_graphiql_queries_and_streams_offline_with_a_token(
    guarded: RunningService, browser_page: Page
) -> None:
    page = browser_page
    off_service = OffService(guarded.url)
    await page.route("**/*", off_service.route)
    websockets: list[str] = []
    page.on("websocket", lambda socket: websockets.append(socket.url))
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    stored = await ingest(guarded, 1)

    await page.goto(guarded.url + "/graphql")
    await page.fill("#eventstore-token", TEAM_A)
    await page.press("#eventstore-token", "Enter")
    await page.get_by_text("In use, kept in this browser.").wait_for()
    await run_in_graphiql(page, QUERY)
    queried = await shown_result(page, stored)

    await run_in_graphiql(page, SUBSCRIPTION)
    await wait_until(lambda: guarded.subscribers == 1)
    first, second = await ingest(guarded, 2), await ingest(guarded, 3)
    streamed = await shown_result(page, second)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=SCREENSHOT)
    await page.click(".graphiql-execute-button")  # now the stop button
    await wait_until(lambda: guarded.subscribers == 0)

    assert queried == {
        "data": {"events": {"totalCount": 1, "nodes": [{"id": stored, "teamId": "team-a"}]}}
    }
    assert streamed["received"] == 2
    assert [result["data"]["events"]["id"] for result in streamed["results"]] == [first, second]
    assert off_service.attempted == []
    assert websockets == [guarded.ws_url]
    assert failures == []
    assert SCREENSHOT.stat().st_size > 0
