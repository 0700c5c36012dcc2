"""GraphiQL, the in-browser IDE at `GET /graphql`.

For now Strawberry's own page (its assets come from a CDN); issue 13 replaces it with assets
served from this package, a token field and a subscription view that keeps the stream.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

__all__ = ["GRAPHIQL_ROUTES"]

# Routes the page needs besides `/graphql` (its assets), mounted by app/main.py.
GRAPHIQL_ROUTES: list[BaseRoute] = []
