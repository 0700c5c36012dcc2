"""GraphiQL, the in-browser IDE at `GET /graphql`, served from this package: no CDN.

The page (`app/graphiql/page.html`, `page.js`, `page.css`) is ours: a token field when the
service has tokens, and a subscription view that keeps the stream. It loads the browser builds
of React, GraphiQL and graphql-ws that `npm ci` puts in `app/graphiql/node_modules`, pinned with
their integrity hashes by `app/graphiql/package-lock.json`; `scripts/serve` and `scripts/test`
install them when missing. Without them the service still runs and the page says what to do.
"""

from __future__ import annotations

import functools
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from app.services import Services

__all__ = ["GRAPHIQL_ROUTES", "graphiql_page"]

PAGE_DIR = Path(__file__).resolve().parent.parent / "graphiql"
_INSTALLED = PAGE_DIR / "node_modules"

# Only these files are served: node_modules holds far more than the page needs.
ASSETS: dict[str, Path] = {
    "react.js": _INSTALLED / "react/umd/react.production.min.js",
    "react-dom.js": _INSTALLED / "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": _INSTALLED / "graphiql/graphiql.min.js",
    "graphiql.css": _INSTALLED / "graphiql/graphiql.min.css",
    "graphql-ws.js": _INSTALLED / "graphql-ws/umd/graphql-ws.min.js",
    "page.js": PAGE_DIR / "page.js",
    "page.css": PAGE_DIR / "page.css",
}

# The page loads nothing from elsewhere, and a browser holds it to that. GraphiQL sets inline
# styles and its stylesheet embeds its fonts as data URLs.
_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "img-src 'self' data:; frame-ancestors 'none'"
)

_NOT_INSTALLED = """\
GraphiQL's files are not installed here (they come from npm, pinned by
app/graphiql/package-lock.json). Install them with

    npm ci --prefix app/graphiql

or start the service with ./scripts/serve, which does it. GraphQL itself works without them.
"""


async def graphiql_asset(request: Request) -> Response:
    services: Services = request.app.state.services
    path = ASSETS.get(request.path_params["name"])
    if path is None or not services.settings.graphiql:
        return PlainTextResponse("Not Found", status_code=404)
    if not path.is_file():
        return PlainTextResponse(_NOT_INSTALLED, status_code=404)
    # The files change only with an install: revalidated by ETag, not fetched again.
    return FileResponse(path, headers={"cache-control": "no-cache"})


def graphiql_page(request: Request) -> Response:
    """The IDE's page; it shows a token field when the service has tokens."""
    if not all(path.is_file() for path in ASSETS.values()):
        return PlainTextResponse(_NOT_INSTALLED, status_code=503)
    services: Services = request.app.state.services
    page = _page().substitute(tokens="off" if services.tokens.open else "required")
    return HTMLResponse(page, headers={"content-security-policy": _CONTENT_SECURITY_POLICY})


@functools.cache
def _page() -> Template:
    # Part of the package: read once, not on every page load.
    return Template((PAGE_DIR / "page.html").read_text())


GRAPHIQL_ROUTES: list[BaseRoute] = [Route("/graphql/graphiql/{name}", graphiql_asset)]
"""The page's files, mounted by app/main.py beside `/graphql`."""
