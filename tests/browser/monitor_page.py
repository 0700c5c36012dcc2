"""Waiting on the monitor page as its tests read it: live, and its health panel drawn."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Page

__all__ = ["health_loaded", "live"]


async def live(page: Page) -> None:
    await page.wait_for_selector('#status[data-state="live"]')


async def health_loaded(page: Page, times: int) -> dict[str, Any]:
    """The health panel's arguments, once it has been drawn `times` times."""
    await page.wait_for_function(
        "n => Number(document.getElementById('health').dataset.loaded || 0) >= n", arg=times
    )
    arguments: dict[str, Any] = json.loads(
        await page.get_attribute("#health", "data-arguments") or "{}"
    )
    return arguments
