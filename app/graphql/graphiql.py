"""GraphiQL, the in-browser IDE at `GET /graphql`, served from this package: no CDN.

The page (`app/graphiql/page.html`, `page.js`, `page.css`) is ours: a token field when the
service has tokens, and a subscription view that keeps the stream. It loads the browser builds
of React, GraphiQL and graphql-ws from npm, pinned with their integrity hashes by
`app/graphiql/package-lock.json`, at the paths `graphiql_files.py` lists. In a source checkout
`npm ci` puts them in `app/graphiql/node_modules` (`scripts/serve` and `scripts/test` run it when
the lock changes); a built package (wheel) carries the same files at the same paths, as setup.py
runs `npm ci` when it is built. Without them the service still runs and the page says what to do.
"""

from __future__ import annotations

import functools
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from app.graphql.graphiql_files import GRAPHIQL_FILES
from app.services import Services

__all__ = ["GRAPHIQL_ROUTES", "graphiql_page"]

PAGE_DIR = Path(__file__).resolve().parent.parent / "graphiql"

# Only these files are served: node_modules holds far more than the page needs.
ASSETS: dict[str, Path] = {name: PAGE_DIR / path for name, path in GRAPHIQL_FILES.items()}

# The page loads nothing from elsewhere, and a browser holds it to that. GraphiQL sets inline
# styles and its stylesheet embeds its fonts as data URLs.
_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
    "img-src 'self' data:; frame-ancestors 'none'"
)

_NOT_INSTALLED = """\
GraphiQL's files are not installed here. They come from npm, pinned by
app/graphiql/package-lock.json: a package built from this project (`pip install .`, or a
wheel from `uv build`) carries them; in a source checkout (or an editable install of one),
install them with

    npm ci --prefix app/graphiql --ignore-scripts

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
