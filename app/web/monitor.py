"""The live monitor page at `/`: a stream of events and delivery health, served from the package.

The page (`app/monitor/`) is plain JavaScript modules the browser runs as written: no
framework, no build step, no CDN. It speaks only the public GraphQL API (queries over HTTP,
subscriptions over graphql-transport-ws), so it doubles as the reference frontend.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

__all__ = ["MONITOR_ROUTES"]

PAGE_DIR = Path(__file__).resolve().parents[1] / "monitor"

# Only these files are served, each with the type a module script needs.
ASSETS: dict[str, str] = {
    "monitor.js": "text/javascript",
    "graphql.js": "text/javascript",
    "socket.js": "text/javascript",
    "chart.js": "text/javascript",
    "duration.js": "text/javascript",
    "filters.js": "text/javascript",
    "health.js": "text/javascript",
    "rows.js": "text/javascript",
    "webhooks.js": "text/javascript",
    "style.css": "text/css",
}

# Everything comes from this service: scripts, styles, and the GraphQL calls (HTTP and ws).
_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Revalidated by ETag, so a new version of the page is picked up on the next load.
_HEADERS = {"cache-control": "no-cache", "content-security-policy": _CONTENT_SECURITY_POLICY}


async def monitor_page(request: Request) -> Response:
    """The page itself; it asks for a token only when the API answers 401."""
    return FileResponse(PAGE_DIR / "index.html", media_type="text/html", headers=_HEADERS)


async def monitor_asset(request: Request) -> Response:
    name = request.path_params["name"]
    media_type = ASSETS.get(name)
    if media_type is None:
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(PAGE_DIR / name, media_type=media_type, headers=_HEADERS)


MONITOR_ROUTES: list[BaseRoute] = [
    Route("/", monitor_page),
    Route("/monitor/{name}", monitor_asset),
]
"""The page at `/` and its files under `/monitor/`, mounted by app/main.py."""
