"""Debian's Chromium under Playwright, kept to the service: shared by the browser tests.

Nothing here downloads a browser (`playwright install` is never run); `scripts/test` installs
Debian's `chromium`. Any request to another host is refused and recorded, so a CDN a page still
reached for would fail its test, not only slow it down.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Page, Request, Route, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = Path(__file__).parents[2] / "test-results"
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

needs_chromium = pytest.mark.skipif(
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


@asynccontextmanager
async def chromium_page(color_scheme: str = "light") -> AsyncIterator[Page]:
    """A fresh headless Chromium page (Playwright gives each launch a temporary profile)."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=QUIET_CHROMIUM
        )
        page = await browser.new_page(
            viewport={"width": 1280, "height": 800},
            color_scheme="dark" if color_scheme == "dark" else "light",
        )
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            await browser.close()


def screenshot_path(name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    return RESULTS / name
