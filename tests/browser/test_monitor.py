"""The monitor page at `/` as a live monitor uses it: a stream, pause, filter, delivery health.

Events are ingested the way delivery tools send them (`POST /events`, the FlexDeploy webhook);
the page sees them only through the public GraphQL API, in Debian's headless Chromium with
every request beyond the service refused (`tests/browser/chromium.py`).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, WebSocketRoute

from app.families import FAMILIES
from tests.browser.chromium import OffService, needs_chromium, screenshot_path
from tests.browser.monitor_page import health_loaded, live
from tests.graphql.queries import INGEST_BATCH
from tests.utils.live import build, wait_until
from tests.utils.service import RunningService, bearer, reference
from tests.utils.tokens import TEAM_A, TEAM_B

DATA = Path(__file__).parent.parent / "data"

pytestmark = [needs_chromium, pytest.mark.slow]

METRICS = """query($from: DateTime!, $to: DateTime!, $teamId: String, $repo: String,
                  $filter: EventFilter) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, repo: $repo, filter: $filter) {
    deploymentFrequency { perDay }
    leadTime { durations { medianSeconds } }
    changeFailureRate { rate }
    failedDeploymentRecoveryTime { durations { medianSeconds } }
    deploymentReworkRate { rate }
  }
}"""


def lifecycle(name: str, action: str, team: str, **fields: str) -> dict[str, Any]:
    return {"event_name": name, "event_action": action, "team_id": team, "repo": "api"} | fields


async def post_event(
    service: RunningService, body: dict[str, Any], token: str | None = None
) -> str:
    response = await service.http.post("/events", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    event_id: str = response.json()["id"]
    return event_id


async def pipeline_stage(service: RunningService) -> tuple[str, dict[str, Any]]:
    """FlexDeploy's documented "Pipeline Stage Completed" message, through its webhook."""
    messages = reference("flexdeploy-events.json")["examples"]
    stage = next(m for m in messages if m["eventType"] == "Pipeline Stage Completed")
    message = {key: value for key, value in stage.items() if not key.startswith("_")}
    response = await service.http.post("/webhooks/flexdeploy", json=message)
    assert response.status_code == 202, response.text
    event_id: str = response.json()["id"]
    return event_id, message["payload"]


async def cdevent(service: RunningService) -> str:
    """A CDEvents deployment, as a tool sends it over CloudEvents' binary mode."""
    sent = json.loads((DATA / "cdevents" / "service.deployed.json").read_text())
    context = sent["context"]
    headers = {
        "content-type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": context["id"],
        "ce-source": context["source"],
        "ce-type": context["type"],
    }
    response = await service.http.post("/cloudevents", json=sent, headers=headers)
    assert response.status_code == 201, response.text
    event_id: str = response.json()["id"]
    return event_id


async def opened(page: Page, service: RunningService) -> OffService:
    """The page opened at `/` with nothing beyond the service reachable."""
    off_service = OffService(service.url)
    await page.route("**/*", off_service.route)
    await page.goto(service.url + "/")
    return off_service


async def shown_ids(page: Page, list_id: str = "stream") -> list[str]:
    ids: list[str] = await page.eval_on_selector_all(
        f"#{list_id} button.event", "rows => rows.map(row => row.dataset.id)"
    )
    return ids


async def row(page: Page, event_id: str, within_ms: float = 1000) -> None:
    await page.wait_for_selector(f'#stream button[data-id="{event_id}"]', timeout=within_ms)


async def tiles(page: Page) -> dict[str, Any]:
    values: dict[str, str] = await page.eval_on_selector_all(
        ".tile", "ts => Object.fromEntries(ts.map(t => [t.dataset.metric, t.dataset.value]))"
    )
    return {metric: json.loads(value) for metric, value in values.items()}


async def answered_metrics(service: RunningService, arguments: dict[str, Any]) -> dict[str, Any]:
    answer = await service.graphql(METRICS, **arguments)
    assert answer.errors == []
    metrics = answer.data["deliveryMetrics"]
    return {
        "deploymentFrequency": metrics["deploymentFrequency"]["perDay"],
        "leadTime": metrics["leadTime"]["durations"]["medianSeconds"],
        "changeFailureRate": metrics["changeFailureRate"]["rate"],
        "failedDeploymentRecoveryTime": metrics["failedDeploymentRecoveryTime"]["durations"][
            "medianSeconds"
        ],
        "deploymentReworkRate": metrics["deploymentReworkRate"]["rate"],
    }


async def test_stream_pause_filter_and_health(service: RunningService, browser_page: Page) -> None:
    page = browser_page
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    stage, stage_payload = await pipeline_stage(service)
    deployed = await cdevent(service)
    history = [
        await post_event(service, lifecycle("commit", "succeeded", "team-a", commit="c1")),
        await post_event(service, lifecycle("deployment", "succeeded", "team-a", commit="c1")),
        await post_event(service, lifecycle("deployment", "failed", "team-a", commit="c2")),
        await post_event(service, lifecycle("deployment", "succeeded", "team-b", commit="c3")),
    ]
    off_service = await opened(page, service)
    await live(page)
    assert set(await shown_ids(page)) == {stage, deployed, *history}
    stage_status = await page.text_content(f'#stream button[data-id="{stage}"] .said')
    cdevent_row = f'#stream button[data-id="{deployed}"]'
    cdevent_cells = [
        await page.text_content(f"{cdevent_row} {cell}") for cell in (".source", ".what")
    ]

    body = lifecycle("build", "succeeded", "team-a", commit="c4")
    started = time.monotonic()
    new = await post_event(service, body)
    await row(page, new, within_ms=1000)
    arrival = time.monotonic() - started
    await page.screenshot(path=screenshot_path("monitor-stream.png"))
    await page.focus(f'#stream button[data-id="{new}"]')  # by keyboard, as a row is a button
    await page.keyboard.press("Enter")
    raw = json.loads(await page.text_content("#raw-json") or "")
    await page.screenshot(path=screenshot_path("monitor-event.png"))
    await page.keyboard.press("Escape")

    await page.click("#pause")
    held = [await post_event(service, lifecycle("test", "succeeded", "team-a")) for _ in range(3)]
    await page.wait_for_selector("#held:has-text('3 new while paused')")
    while_paused = await shown_ids(page)
    await page.click("#pause")
    await row(page, held[-1])
    resumed = await shown_ids(page)

    # The panel drawn first, then its tiles read: read first, a tile may not hold a value yet.
    first_arguments = await health_loaded(page, 1)
    everyone = await tiles(page) | {"arguments": first_arguments}
    await page.fill("input[name=team]", "team-a")
    await page.press("input[name=team]", "Enter")
    await page.wait_for_url(re.compile(r"\?team=team-a$"))
    await live(page)
    arguments = await health_loaded(page, 2)
    team_tiles, team_rows = await tiles(page), await shown_ids(page)
    team_answer = await answered_metrics(service, arguments)
    await page.locator("#chart .day").last.click()
    await page.wait_for_selector("#day:not([hidden])")
    day_rows = await shown_ids(page, "day-events")
    await page.locator("#health").screenshot(path=screenshot_path("monitor-metrics.png"))
    await post_event(service, lifecycle("deployment", "succeeded", "team-a", commit="c4"))
    refreshed = await health_loaded(page, 3)
    refreshed_tiles = await tiles(page)
    await page.emulate_media(color_scheme="dark")
    await page.screenshot(path=screenshot_path("monitor-dark.png"))
    await page.reload()
    bookmarked = await page.input_value("input[name=team]")

    assert arrival < 1.0
    execution, environment = stage_payload["pipelineStageExecution"], stage_payload["environment"]
    assert stage_status == f"{execution['executionStatus']} · {environment['environmentCode']}"
    assert raw == body
    assert cdevent_cells == ["CDEvents", "service.deployed"]
    assert not set(held) & set(while_paused)
    assert resumed[:4] == [*reversed(held), new]
    assert team_rows == [*reversed(held), new, *reversed(history[:3])]
    # The day's deployments and incidents, as the chart counts them: not its commits or tests.
    assert set(day_rows) == set(history[1:3])
    assert arguments["teamId"] == "team-a"
    assert everyone["arguments"]["teamId"] is None
    assert team_tiles == team_answer
    assert everyone["deploymentFrequency"] > team_tiles["deploymentFrequency"] > 0
    assert team_tiles["changeFailureRate"] == 0.5
    assert refreshed_tiles == await answered_metrics(service, refreshed)
    assert refreshed_tiles["changeFailureRate"] == 1 / 3
    assert bookmarked == "team-a"
    assert off_service.attempted == []
    assert failures == []


async def test_a_dropped_websocket_resumes_with_no_gap_and_no_repeat(
    service: RunningService, browser_page: Page
) -> None:
    page = browser_page
    sockets: list[tuple[WebSocketRoute, WebSocketRoute]] = []

    def through(socket: WebSocketRoute) -> None:
        """Every websocket of the page passes through here, so the test can cut it."""
        sockets.append((socket, socket.connect_to_server()))

    await page.route_web_socket(re.compile(r"/graphql$"), through)
    before = await post_event(service, lifecycle("build", "initiated", "team-a"))
    await opened(page, service)
    await live(page)
    await wait_until(lambda: service.subscribers == 2)  # the stream, and deliveries for health
    live_one = await post_event(service, lifecycle("build", "succeeded", "team-a"))
    await row(page, live_one)

    page_side, server_side = sockets[0]
    await page_side.close()
    await server_side.close()
    await page.wait_for_selector('#status[data-state="reconnecting"]')
    reconnecting = await page.text_content("#status")
    await wait_until(lambda: service.subscribers == 0)
    test_run = lifecycle("test", "succeeded", "team-a")
    meanwhile = [await post_event(service, test_run) for _ in range(5)]
    # Stored while no subscription was open: only a replay from the cursor can bring them.
    stored_while_down = service.subscribers == 0
    await live(page)
    after = await post_event(service, lifecycle("build", "failed", "team-a"))
    await row(page, after)

    assert stored_while_down
    assert len(sockets) == 2
    assert "reconnecting" in (reconnecting or "")
    assert await shown_ids(page) == [after, *reversed(meanwhile), live_one, before]


async def test_tokens_asked_for_refused_and_scoped_to_a_team(
    guarded: RunningService, browser_page: Page
) -> None:
    page = browser_page
    other_team = await post_event(guarded, lifecycle("build", "succeeded", "team-b"), TEAM_B)
    own_team = await post_event(guarded, lifecycle("build", "succeeded", "team-a"), TEAM_A)
    off_service = await opened(page, guarded)
    await page.wait_for_selector("#token-form:not([hidden])")
    asked = await page.text_content("#token-message")
    await page.fill("#token", "not-a-token")
    await page.press("#token", "Enter")
    await page.wait_for_selector("#token-message:has-text('refused')")
    refused = await page.text_content("#status")
    await page.fill("#token", TEAM_A)
    await page.press("#token", "Enter")
    await live(page)
    kept = await page.evaluate("() => Object.values(sessionStorage)")
    await post_event(guarded, lifecycle("deployment", "succeeded", "team-b"), TEAM_B)
    own_live = await post_event(guarded, lifecycle("deployment", "succeeded", "team-a"), TEAM_A)
    await row(page, own_live)
    teams = await page.eval_on_selector_all(
        "#stream .team", "cells => cells.map(cell => cell.textContent)"
    )
    arguments = await health_loaded(page, 1)
    answered = await guarded.graphql(METRICS, token=TEAM_A, **arguments)

    assert asked == "This service needs an API token."
    assert refused == "Token refused"
    assert kept == [TEAM_A]
    assert await shown_ids(page) == [own_live, own_team]
    assert other_team not in await shown_ids(page)
    assert teams == ["team-a", "team-a"]
    assert await page.is_hidden("#token-form")
    assert answered.errors == []
    assert off_service.attempted == []


# More than the page keeps (2,000 rows) but not 10,000: storing and dropping those would cost
# the suite some 30 s. docs/monitor.md gives a run with 10,000.
STREAMED = 2_500


async def test_a_long_live_stream_keeps_the_page_small_and_responsive(
    service: RunningService, browser_page: Page
) -> None:
    page = browser_page
    await opened(page, service)
    await live(page)
    for start in range(0, STREAMED, 1000):
        events = [build(n, "team-a") for n in range(start, min(start + 1000, STREAMED))]
        answer = await service.graphql(INGEST_BATCH, lifecycle=events)
        assert answer.errors == []
    stored = time.monotonic()
    await page.wait_for_selector(f"#count:has-text('{STREAMED} live')", timeout=30_000)
    caught_up = time.monotonic() - stored
    rows = await page.eval_on_selector_all("#stream li", "rows => rows.length")
    newest = (await shown_ids(page))[0]
    clicked = time.monotonic()
    await page.click("#pause")
    await page.wait_for_selector('#pause[aria-pressed="true"]')
    answered = time.monotonic() - clicked
    last = await service.graphql("{ events(limit: 1) { nodes { ... on Event { id } } } }")
    await page.reload()
    await live(page)
    await page.click("#older")
    await page.wait_for_function("() => document.querySelectorAll('#stream li').length > 50")
    paged = await shown_ids(page)
    newest_100 = await service.graphql("{ events(limit: 100) { nodes { ... on Event { id } } } }")

    assert rows == 2000
    assert newest == last.data["events"]["nodes"][0]["id"]
    assert caught_up < 2.0
    assert answered < 0.5
    assert paged == [event["id"] for event in newest_100.data["events"]["nodes"]]


async def test_a_backfill_is_placed_by_its_time_and_never_shown_as_live(
    service: RunningService, browser_page: Page
) -> None:
    page = browser_page
    team = "backfilling"
    now = [await post_event(service, lifecycle("build", "succeeded", team)) for _ in range(3)]
    # A tool catching up: stored after the events above, with older times.
    june = [
        await post_event(
            service, lifecycle("build", "succeeded", team, timestamp=f"2026-06-0{day}T10:00:00Z")
        )
        for day in (1, 2)
    ]
    off_service = OffService(service.url)
    await page.route("**/*", off_service.route)
    await page.goto(f"{service.url}/?team={team}")
    await live(page)
    at_start = await shown_ids(page)
    count_at_start = await page.text_content("#count")

    september = await post_event(
        service, lifecycle("build", "succeeded", team, timestamp="2026-09-01T10:00:00Z")
    )
    await row(page, september, within_ms=5000)
    newer = await post_event(service, lifecycle("build", "succeeded", team))
    await row(page, newer, within_ms=5000)
    after = await shown_ids(page)
    late_rows = await page.eval_on_selector_all(
        "#stream button.event.late", "rows => rows.map(row => row.dataset.id)"
    )
    await page.screenshot(path=screenshot_path("monitor-backfill.png"))
    count_after = await page.text_content("#count")

    assert at_start == [*reversed(now), *reversed(june)]
    assert count_at_start == "5 shown · 0 live"
    assert after == [newer, *reversed(now), september, *reversed(june)]
    assert late_rows == [september]
    assert count_after == "7 shown · 1 live · 1 late"
    assert off_service.attempted == []


async def test_the_health_panel_says_which_filters_it_does_not_follow(
    service: RunningService, browser_page: Page
) -> None:
    page = browser_page
    await page.goto(f"{service.url}/?source=FLEXDEPLOY&type=Pipeline%20Stage%20Completed")
    await live(page)
    await health_loaded(page, 1)
    chosen = await page.eval_on_selector("select[name=source]", "select => select.value")
    offered = await page.eval_on_selector_all(
        "select[name=source] option", "options => options.map(option => option.value)"
    )
    note = await page.text_content("#not-applied")
    hidden = await page.get_attribute("#not-applied", "hidden")
    await page.goto(f"{service.url}/?team=team-a")
    await live(page)
    await health_loaded(page, 1)

    assert hidden is None
    # The service's families, as it names them: the one in the address chosen.
    assert (chosen, offered) == ("FLEXDEPLOY", ["", *(family.source for family in FAMILIES)])
    assert note == "Source, Type: the events only, not these metrics."
    assert await page.get_attribute("#not-applied", "hidden") is not None
