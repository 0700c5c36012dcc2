"""The ASGI application and its lifespan: database, bus, and the routes of `API.md`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager, nullcontext
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.access.tokens import TokenRegistry
from app.config import Settings
from app.graphql.graphiql import GRAPHIQL_ROUTES
from app.graphql.possible_types import possible_types_document
from app.graphql.view import GraphQLView
from app.ingest.admission import Admission
from app.ingest.ingestor import Ingestor
from app.intake import IntakeLimits
from app.live.bus import EventBus
from app.live.collector import CollectorPolicy
from app.live.dispatcher import LiveDispatcher
from app.outbound.runner import OutboundWebhooks
from app.rest import REST_ROUTES
from app.services import Services
from app.store import EventStore
from app.store.embedded import EmbeddedMongo
from app.upstream.uvicorn import FIRST_MESSAGES_LIMIT, on_stop_signal
from app.web.asgi_app import EventStoreApp
from app.web.body_limit import BodySizeLimit
from app.web.monitor import MONITOR_ROUTES

__all__ = ["create_app", "create_served_app"]

log = logging.getLogger(__name__)

# Seconds requests under way get to finish once the service is told to stop (uvicorn waits 10:
# `timeout_graceful_shutdown` in app/cli.py), past which their store calls are refused.
REQUESTS_STOP_WITHIN = 5.0


@asynccontextmanager
async def running_services(settings: Settings) -> AsyncIterator[Services]:
    """Everything the service needs, started in order and stopped in reverse."""
    async with AsyncExitStack() as stack:
        uri = settings.mongodb_uri
        if uri is None:
            embedded = EmbeddedMongo(settings.data_dir)
            uri = await embedded.start()
            stack.push_async_callback(embedded.stop)
            embedded.keep_running()
        store = EventStore.connect(
            uri,
            settings.database,
            timeout_seconds=settings.mongodb_timeout_seconds,
            query_seconds=settings.query_timeout_seconds,
            lease_seconds=settings.sequence_lease_seconds,
        )
        stack.push_async_callback(store.close)
        await store.prepare()
        store.keep_read_models()
        dispatcher = LiveDispatcher(store, gap_seconds=settings.live_gap_seconds)
        await dispatcher.start()
        stack.push_async_callback(dispatcher.stop)
        bus = EventBus(settings.broadcast_url, heartbeat_seconds=settings.bus_heartbeat_seconds)
        bus.listen(dispatcher)
        await bus.connect()
        stack.push_async_callback(bus.disconnect)
        outbound = OutboundWebhooks(store, dispatcher, settings)
        await outbound.start()
        stack.push_async_callback(outbound.stop)
        yield Services(
            settings=settings,
            store=store,
            bus=bus,
            ingestor=Ingestor(
                store,
                bus,
                limits=IntakeLimits.from_settings(settings),
                max_batch=settings.max_batch_size,
                admission=Admission(
                    settings.ingest_capacity, wait_seconds=settings.mongodb_timeout_seconds
                ),
            ),
            dispatcher=dispatcher,
            tokens=TokenRegistry.from_settings(settings),
            outbound=outbound,
        )


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready when MongoDB answers; live events are reported, not required: without them,
    ingest and queries still work, and subscribers resume from their cursors later."""
    services: Services = request.app.state.services
    # What a subscription would meet: the bus back is not enough until the dispatcher has
    # read where the log stands again.
    live = "ok" if services.bus.healthy and services.dispatcher.available else "unavailable"
    if await services.store.ping():
        return JSONResponse({"status": "ready", "liveEvents": live})
    return JSONResponse(
        {"status": "unavailable", "reason": "MongoDB does not answer", "liveEvents": live}, 503
    )


async def internal_error(request: Request, error: Exception) -> JSONResponse:
    """An unexpected failure: the log gets the stack trace, the client an error id."""
    error_id = uuid.uuid4().hex
    log.error(
        "Unexpected error %s on %s %s", error_id, request.method, request.url.path, exc_info=error
    )
    return JSONResponse(
        {
            "name": "GeneralError",
            "message": f"Internal server error (error id {error_id}).",
            "code": 500,
            "className": "general-error",
            "errors": [],
        },
        status_code=500,
    )


def create_app(settings: Settings | None = None, *, owns_process: bool = False) -> Starlette:
    """The service as an ASGI app; `settings` default to the environment.

    `owns_process`: the app is all its process runs (`eventstore serve`), so it may tune the
    process's garbage collector for the subscribers it holds (`app/live/collector.py`); an
    app hosted in another program (a test run, say) leaves the host's collector alone.
    """
    settings = settings or Settings()
    graphql = GraphQLView(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with running_services(settings) as services:
            app.state.services = services
            app.state.fanout = graphql.fanout
            if owns_process:
                # uvicorn gives requests 10 s to finish once told to stop; the rest of that is
                # the lifespan's own stop (store, database).
                on_stop_signal(lambda: services.store.stopping(REQUESTS_STOP_WITHIN))
            async with _collector_policy(services.dispatcher) if owns_process else nullcontext():
                # Until its `connection_init` is accepted, a socket's messages are smaller than
                # a request: 200 sockets could otherwise each have the service hold a
                # request's worth for people it does not know (the websocket protocol reads it).
                yield {FIRST_MESSAGES_LIMIT: settings.max_init_bytes}

    return EventStoreApp(
        socket_path="/graphql",
        socket_app=graphql,
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/graphql/possible-types.json", possible_types_document),
            *GRAPHIQL_ROUTES,
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *REST_ROUTES,
            *MONITOR_ROUTES,
        ],
        lifespan=lifespan,
        middleware=_middleware(settings),
        exception_handlers={Exception: internal_error},
    )


def _collector_policy(dispatcher: LiveDispatcher) -> AbstractAsyncContextManager[None]:
    return CollectorPolicy(lambda: dispatcher.feeds_ended, lambda: dispatcher.feed_count).running()


def create_served_app() -> Starlette:
    """The app of one of `eventstore serve`'s worker processes (uvicorn builds it by name)."""
    return create_app(owns_process=True)


def _middleware(settings: Settings) -> list[Middleware]:
    layers = [Middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)]
    if settings.allowed_origins:
        layers.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=settings.allowed_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=settings.allowed_headers,
            ),
        )
    return layers
