"""The monitor's webhooks view as an operator uses it: a webhook failing at its receiver, its
last attempts, and the redeliver button, in Debian's headless Chromium (nothing beyond the
service reachable)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from app.config import Settings
from tests.browser.chromium import OffService, needs_chromium, screenshot_path
from tests.utils.receiver import Answer, receiving
from tests.utils.service import RunningService, running_service

pytestmark = [needs_chromium, pytest.mark.slow]

CREATE = """mutation($url: String!) {
  createWebhook(input: {url: $url, description: "incident tool"}) { webhook { id } }
}"""
INGEST = """mutation { ingestLifecycleEvent(input: {eventName: "deployment",
  eventAction: "failed", teamId: "team-a"}) { event { ... on Event { id } } } }"""


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[RunningService]:
    configured = settings.model_copy(
        update={"webhook_allow_private": True, "webhook_retry_schedule": "0.1"}
    )
    async with running_service(configured) as running:
        yield running


async def test_a_failing_webhook_is_shown_and_sent_again(
    service: RunningService, browser_page: Page
) -> None:
    page, failing = browser_page, True
    async with receiving() as receiver:
        receiver.answer = lambda request, before: Answer(500 if failing else 204)
        await service.graphql(CREATE, url=receiver.url)
        ingested = await service.graphql(INGEST)
        event_id = ingested.data["ingestLifecycleEvent"]["event"]["id"]
        await receiver.wait_for(2)  # at once, then after 0.1 s: given up

        await page.route("**/*", OffService(service.url).route)
        await page.goto(service.url + "/")
        hook = page.locator("#webhooks li.webhook")
        await hook.locator(".delivery-status.failed").wait_for(timeout=10_000)
        shown = {
            "status": await hook.locator(".webhook-status").text_content(),
            "name": await hook.locator(".webhook-url").text_content(),
            "attempt": await hook.locator(".attempt").first.text_content(),
            "event": await hook.locator(".event-id").first.text_content(),
        }
        await page.locator("#webhooks-panel").screenshot(path=screenshot_path("webhooks.png"))

        failing = False
        await hook.locator("button.redeliver").first.click()
        await receiver.wait_for(3)
        await hook.locator(".delivery-status.succeeded").wait_for(timeout=10_000)
        await page.locator("#webhooks-panel").screenshot(
            path=screenshot_path("webhooks-redelivered.png")
        )

    assert shown["status"] == "FAILING"
    assert shown["name"] == "incident tool"
    assert shown["attempt"] is not None
    assert shown["attempt"].startswith("HTTP 500 · ")
    assert shown["attempt"].endswith("2 attempts")
    assert shown["event"] == event_id
    assert receiver.received[2].headers["webhook-id"] == receiver.received[0].headers["webhook-id"]
