"""A running service for tests: the real app under uvicorn on a loopback port."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pymongo import AsyncMongoClient
from starlette.applications import Starlette

from app.cli import server_options
from app.config import Settings
from app.main import create_app
from app.services import Services

DATA = Path(__file__).parent.parent / "data"


def reference(name: str) -> Any:
    """A copy of a file of `../shared/reference`, kept in `tests/data`."""
    return json.loads((DATA / name).read_text())


def bearer(token: str | None) -> dict[str, str]:
    return {} if token is None else {"authorization": f"Bearer {token}"}


@dataclass
class GraphQLAnswer:
    data: Any
    errors: list[dict[str, Any]]

    @property
    def error_codes(self) -> list[str]:
        return [error.get("extensions", {}).get("code") for error in self.errors]


@dataclass
class RunningService:
    app: Starlette
    url: str
    http: httpx.AsyncClient
    mongo: AsyncMongoClient[dict[str, Any]]
    settings: Settings

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/graphql"

    @property
    def subscribers(self) -> int:
        """Live subscriptions being served: grouped ones share one feed, cursor ones have theirs."""
        fanout = self.app.state.fanout
        feeds: int = self.services.dispatcher.feed_count
        return int(fanout.member_count) + feeds - int(fanout.group_count)

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    async def graphql(
        self, query: str, *, token: str | None = None, **variables: Any
    ) -> GraphQLAnswer:
        # json.dumps escapes to ASCII, so even text UTF-8 cannot carry (lone surrogates) is sent.
        body = json.dumps({"query": query, "variables": variables})
        headers = {"content-type": "application/json"} | bearer(token)
        response = await self.http.post("/graphql", content=body, headers=headers)
        response.raise_for_status()
        answer = response.json()
        return GraphQLAnswer(data=answer.get("data"), errors=answer.get("errors") or [])

    async def stored_count(self) -> int:
        """How many events MongoDB holds, read straight from the collection."""
        return await self.mongo[self.settings.database]["events"].count_documents({})


@asynccontextmanager
async def running_service(settings: Settings) -> AsyncIterator[RunningService]:
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            # As `eventstore serve` runs (websocket protocol, pings, no compression; a
            # connection a test's client left open cannot hold the shutdown forever).
            **server_options(settings),
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
            raise RuntimeError("the service stopped while starting")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    assert settings.mongodb_uri is not None
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            yield RunningService(app=app, url=url, http=http, mongo=mongo, settings=settings)
    finally:
        server.should_exit = True
        await serving
        await _dropped(mongo, settings.database)
        await mongo.close()


async def _dropped(mongo: AsyncMongoClient[dict[str, Any]], database: str) -> None:
    """Drop a test's database, but not wait forever: the embedded server was once seen never
    to answer a drop after a racing-retries test, which held the whole run. Each test has a
    database of its own, so one left behind changes no other test's result."""
    try:
        await asyncio.wait_for(mongo.drop_database(database), timeout=60)
    except TimeoutError:
        logging.getLogger(__name__).warning("dropping %s took over 60 s; left behind", database)


async def until_ready(http: httpx.AsyncClient, *, within: float = 60) -> None:
    """Poll `/readyz` as a load balancer would, until the service says it is ready."""
    deadline = asyncio.get_running_loop().time() + within
    while (await http.get("/readyz")).status_code != 200:
        assert asyncio.get_running_loop().time() < deadline, "the service never became ready"
        await asyncio.sleep(0.1)
