"""The monitor's delivery health as a team lead reads it: a quarter of all three families (the
awkward cases of `tests/insights/test_quarter.py` in it), moved to end today, shown in headless
Chromium at a desktop's and a phone's width. Every figure the page shows (the five tiles, the
previous period's, each period of the trend and of the chart, each row of the table) must be
what `deliveryMetrics` answers when asked for that range and scope on its own.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.chromium import OffService, needs_chromium, screenshot_path
from tests.browser.monitor_page import health_loaded, live
from tests.utils.quarter import END, quarter, send
from tests.utils.service import RunningService
from tests.utils.tokens import ADMIN

pytestmark = [needs_chromium, pytest.mark.slow]

FIGURES = """query($from: DateTime!, $to: DateTime!, $teamId: String, $repo: String) {
  deliveryMetrics(from: $from, to: $to, teamId: $teamId, repo: $repo) {
    deploymentFrequency { deployments perDay }
    leadTime { durations { medianSeconds } }
    changeFailureRate { rate failedDeployments linkedIncidents unlinkedIncidents }
    failedDeploymentRecoveryTime { durations { medianSeconds } }
    deploymentReworkRate { rate }
  }
}"""


async def figures(
    service: RunningService, start: str, end: str, team: str | None, repo: str | None
) -> dict[str, Any]:
    """The five values a tile shows, and the counts a chart's bar draws, as the API says."""
    answer = await service.graphql(
        FIGURES, token=ADMIN, **{"from": start, "to": end}, teamId=team, repo=repo
    )
    assert answer.errors == []
    m = answer.data["deliveryMetrics"]
    rate = m["changeFailureRate"]
    return {
        "deploymentFrequency": m["deploymentFrequency"]["perDay"],
        "leadTime": m["leadTime"]["durations"]["medianSeconds"],
        "changeFailureRate": rate["rate"],
        "failedDeploymentRecoveryTime": m["failedDeploymentRecoveryTime"]["durations"][
            "medianSeconds"
        ],
        "deploymentReworkRate": m["deploymentReworkRate"]["rate"],
        "bar": [
            m["deploymentFrequency"]["deployments"],
            rate["failedDeployments"],
            rate["linkedIncidents"] + rate["unlinkedIncidents"],
        ],
    }


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def shown(page: Page) -> dict[str, Any]:
    """What the health panel shows, read from the page."""
    read = """() => ({
      tiles: Object.fromEntries([...document.querySelectorAll('.tile')].map(t => [
        t.dataset.metric,
        { value: JSON.parse(t.dataset.value), previous: JSON.parse(t.dataset.previous),
          trend: JSON.parse(t.dataset.trend), change: t.querySelector('.change').textContent },
      ])),
      bars: [...document.querySelectorAll('#chart .day')].map(g => ({
        start: g.dataset.start, end: g.dataset.end, counts: JSON.parse(g.dataset.counts) })),
      rows: [...document.querySelectorAll('#groups tbody tr')].map(r => ({
        group: r.dataset.group,
        values: Object.fromEntries([...r.querySelectorAll('td[data-metric]')].map(
          td => [td.dataset.metric, JSON.parse(td.dataset.value)])) })),
      teams: [...document.querySelectorAll('#known-teams option')].map(o => o.value),
      repos: [...document.querySelectorAll('#known-repos option')].map(o => o.value),
    })"""
    panel: dict[str, Any] = await page.evaluate(read)
    return panel


async def check_against_the_api(
    service: RunningService, panel: dict[str, Any], arguments: dict[str, Any]
) -> None:
    team, repo = arguments["teamId"], arguments["repo"]
    now = await figures(service, arguments["from"], arguments["to"], team, repo)
    before = await figures(service, arguments["previousFrom"], arguments["from"], team, repo)
    periods = [await figures(service, b["start"], b["end"], team, repo) for b in panel["bars"]]

    tiles = panel["tiles"]
    assert set(tiles) == set(now) - {"bar"}
    for metric, tile in tiles.items():
        assert tile["value"] == now[metric], metric
        assert tile["previous"] == before[metric], metric
        assert tile["trend"] == [period[metric] for period in periods], metric
    assert [bar["counts"] for bar in panel["bars"]] == [period["bar"] for period in periods]
    # The bars cover the range, period after period.
    bounds = [(moment(bar["start"]), moment(bar["end"])) for bar in panel["bars"]]
    assert bounds[0][0] == moment(arguments["from"])
    assert bounds[-1][1] == moment(arguments["to"])
    for (_, earlier), (later, _) in itertools.pairwise(bounds):
        assert earlier == later
    for row in panel["rows"]:
        of_row = await figures(
            service,
            arguments["from"],
            arguments["to"],
            team or row["group"],
            row["group"] if team else repo,
        )
        assert row["values"] == {k: v for k, v in of_row.items() if k != "bar"}, row["group"]


async def test_every_figure_on_the_dashboard_is_what_the_api_answers(
    guarded: RunningService, browser_page: Page
) -> None:
    page = browser_page
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    # The generated quarter, moved to end where the monitor's ranges end (tomorrow, UTC).
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    shift = today + timedelta(days=1) - END
    history = [dataclasses.replace(h, at=h.at + shift) for h in quarter()]
    await send(guarded, history)
    off_service = OffService(guarded.url)
    await page.route("**/*", off_service.route)
    await page.add_init_script(
        f"sessionStorage.setItem('eventstore-monitor-token', {json.dumps(ADMIN)})"
    )

    await page.goto(f"{guarded.url}/?range=30")
    await live(page)
    everyone_arguments = await health_loaded(page, 1)
    everyone = await shown(page)
    await page.screenshot(path=screenshot_path("dashboard-1280.png"), full_page=True)

    await page.goto(f"{guarded.url}/?team=team-a&range=90")
    await live(page)
    team_arguments = await health_loaded(page, 1)
    team = await shown(page)
    await page.locator("#chart .day").nth(5).click()
    await page.wait_for_selector("#day:not([hidden])")
    listed = await page.eval_on_selector_all(
        "#day-events button.event", "rows => rows.map(r => r.querySelector('time').dateTime)"
    )
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.wait_for_timeout(200)
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    await page.locator("#health").screenshot(path=screenshot_path("dashboard-390.png"))

    await page.goto(f"{guarded.url}/?team=team-a&repo=api&range=7")
    await live(page)
    repo_arguments = await health_loaded(page, 1)
    repo = await shown(page)

    assert everyone_arguments["bucket"] == "DAY"
    assert len(everyone["bars"]) == 30
    await check_against_the_api(guarded, everyone, everyone_arguments)
    assert [row["group"] for row in everyone["rows"]] == ["team-a", "team-b"]
    assert everyone["teams"] == ["team-a", "team-b"]
    assert everyone["repos"] == ["api", "app", "web"]

    assert team_arguments["bucket"] == "WEEK"
    await check_against_the_api(guarded, team, team_arguments)
    assert {row["group"] for row in team["rows"]} == {"api", "web"}
    assert team["repos"] == ["api", "web"]
    bar = team["bars"][5]
    assert len(listed) == sum(bar["counts"])
    assert all(moment(bar["start"]) <= moment(at) < moment(bar["end"]) for at in listed)

    await check_against_the_api(guarded, repo, repo_arguments)
    assert len(repo["bars"]) == 7

    # Not an empty quarter: the figures being compared are there to compare.
    assert everyone["tiles"]["deploymentFrequency"]["value"] > 0
    assert everyone["tiles"]["changeFailureRate"]["previous"] is not None
    assert any(v is not None for v in team["tiles"]["failedDeploymentRecoveryTime"]["trend"])
    assert "the previous 30 days" in everyone["tiles"]["leadTime"]["change"]
    assert overflow <= 0
    assert off_service.attempted == []
    assert failures == []
