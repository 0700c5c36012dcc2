"""The monitor page's files as the service serves them: all of them, small, and self-only."""

from __future__ import annotations

from app.web.monitor import ASSETS, PAGE_DIR
from tests.utils.service import RunningService

# The budget for the page's assets.
MOST_BYTES = 300_000


async def test_the_page_and_every_module_are_served_from_the_package(
    service: RunningService,
) -> None:
    page = await service.http.get("/", headers={"accept": "text/html"})
    assets = {name: await service.http.get(f"/monitor/{name}") for name in ASSETS}
    unknown = await service.http.get("/monitor/index.html.bak")
    on_disk = {path.name for path in PAGE_DIR.iterdir()} - {"index.html"}

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert set(ASSETS) == on_disk
    assert {name: answer.status_code for name, answer in assets.items()} == dict.fromkeys(
        ASSETS, 200
    )
    assert {
        name: answer.headers["content-type"].split(";")[0] for name, answer in assets.items()
    } == ASSETS
    assert len(page.content) + sum(len(answer.content) for answer in assets.values()) < MOST_BYTES
    assert unknown.status_code == 404
