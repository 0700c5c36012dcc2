"""GraphiQL as a browser user meets it: everything from the service alone, with tokens on.

Drives Debian's Chromium (`scripts/test` installs it; nothing downloads a browser) through
Playwright. Any request to another host is refused and recorded, so a CDN the page still
reached for would fail the test, not only slow it down.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Request, Route, async_playwright

from tests.graphql.queries import INGEST_LIFECYCLE
from tests.live.test_subscriptions import build, wait_until
from tests.utils.service import RunningService
from tests.utils.tokens import TEAM_A

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = Path(__file__).parents[2] / "test-results" / "graphiql.png"
# The flags that keep Chromium from calling home (updates, sync, field trials) on its own.
QUIET_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

QUERY = "{ events(limit: 5) { totalCount nodes { ... on Event { id teamId } } } }"
SUBSCRIPTION = "subscription { events { ... on Event { id type teamId } } }"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (scripts/test installs it)"
)


class OffService:
    """What the page tried to reach beyond the service: refused, and kept for the assertion."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.attempted: list[str] = []

    async def route(self, route: Route, request: Request) -> None:
        if request.url.startswith(self.origin + "/"):
            await route.continue_()
        else:
            self.attempted.append(request.url)
            await route.abort("blockedbyclient")


@pytest.fixture
async def browser_page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        # Playwright gives each launch a fresh, temporary profile (--user-data-dir).
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=QUIET_CHROMIUM
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(15_000)
        yield page
        await browser.close()


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
