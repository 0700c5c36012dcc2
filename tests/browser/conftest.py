from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from tests.browser.chromium import chromium_page


@pytest.fixture
async def browser_page() -> AsyncIterator[Page]:
    async with chromium_page() as page:
        yield page
