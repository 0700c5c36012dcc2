"""The `eventstore` command: run the service, or write the schema's SDL."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import ValidationError

from app.config import Settings, configuration_problems
from app.families import SECRET_SOURCES
from app.upstream.uvicorn import IdleLeanProtocol

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="eventstore", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the service (the default)")
    serve.add_argument("--host", help="overrides EVENTSTORE_HOST")
    serve.add_argument("--port", type=int, help="overrides EVENTSTORE_PORT")
    serve.add_argument("--workers", type=int, help="overrides EVENTSTORE_WORKERS")
    export = commands.add_parser("export-schema", help="write the schema's SDL")
    export.add_argument("path", nargs="?", default="schema.graphql", help="'-' for stdout")
    commands.add_parser(
        "rebuild-read-models",
        help="build the read models (counts, delivery events) again from the stored events",
    )
    args = parser.parse_args(argv)
    if args.command == "export-schema":
        export_schema(args.path)
        return
    overrides = {
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
        "workers": getattr(args, "workers", None),
    }
    try:
        settings = Settings().model_copy(
            update={key: value for key, value in overrides.items() if value is not None}
        )
    except ValidationError as error:
        sys.exit(
            "eventstore: invalid configuration\n  " + "\n  ".join(configuration_problems(error))
        )
    if unknown := sorted(settings.webhook_secret_sources - SECRET_SOURCES):
        sys.exit(
            f"eventstore: invalid configuration\n  EVENTSTORE_WEBHOOK_SECRETS: no webhook is "
            f"named {', '.join(unknown)} (this service's: {', '.join(sorted(SECRET_SOURCES))})"
        )
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "rebuild-read-models":
        asyncio.run(rebuild_read_models(settings))
    elif settings.workers == 1:
        run_service(settings)
    else:
        run_workers(settings)


def run_service(settings: Settings) -> None:
    from app.main import create_app

    _serve(create_app(settings, owns_process=True), settings)


def run_workers(settings: Settings) -> None:
    """Several worker processes: they share one database and carry live events over Redis."""
    if settings.broadcast_url.startswith("memory"):
        sys.exit(
            f"eventstore: {settings.workers} workers need a shared bus for live events: set "
            "BROADCAST_URL=redis://… (the memory bus reaches only its own process)"
        )
    if settings.mongodb_uri is not None:
        _run_worker_processes(settings)
        return
    from app.store.embedded import EmbeddedMongo

    # One embedded server for all workers, started here; workers find it through the env.
    embedded = EmbeddedMongo(settings.data_dir)
    os.environ["MONGODB_URI"] = asyncio.run(embedded.start())
    done = threading.Event()

    async def keep_running() -> None:
        embedded.keep_running()
        await asyncio.to_thread(done.wait)
        await embedded.stop()

    # uvicorn's worker supervisor holds this thread: the server is watched from another.
    watcher = threading.Thread(target=asyncio.run, args=(keep_running(),), name="embedded")
    watcher.start()
    try:
        _run_worker_processes(settings)
    finally:
        done.set()
        watcher.join()


def _run_worker_processes(settings: Settings) -> None:
    # Each worker builds its app from the environment: pass on what the command line changed.
    os.environ["EVENTSTORE_WORKERS"] = str(settings.workers)
    _serve("app.main:create_served_app", settings, factory=True, workers=settings.workers)


def _serve(
    app: Callable[..., Any] | str, settings: Settings, *, factory: bool = False, workers: int = 1
) -> None:
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        factory=factory,
        workers=workers,
        **server_options(settings),
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app's websockets and stops; the tests' servers use these too."""
    return {
        # Pings drop dead websocket peers (Strawberry sends none on graphql-transport-ws).
        "ws_ping_interval": settings.ws_ping_seconds,
        "ws_ping_timeout": settings.ws_ping_seconds,
        # No permessage-deflate (uvicorn offers it by default). Its zlib state is ~40 KiB per
        # socket, more than the 30 KiB an idle subscriber may cost in all, and compressing
        # each socket's copy of an event was half the server's CPU per delivered message: a
        # fan-out encodes an event once, but deflate with context takeover cannot share it.
        # Events are small JSON on links where bandwidth costs less than the CPU.
        "ws_per_message_deflate": False,
        # A websocket message past the request limit closes the socket with 1009 as its
        # frame header arrives, before it is buffered or its sender authenticated (uvicorn's
        # default is 16 MiB: 20 sockets with 15 MB each took the service to 691 MB).
        "ws_max_size": settings.max_request_bytes,
        # A connection that will not close must not keep a stopping service alive.
        "timeout_graceful_shutdown": 10,
        "ws": IdleLeanProtocol,
    }


async def rebuild_read_models(settings: Settings) -> None:
    """Rebuild on the configured database (the embedded one when no URI is set), with progress.

    A running service may stay up: its reads stay exact meanwhile, only slower.
    """
    from app.store import EventStore
    from app.store.embedded import EmbeddedMongo

    embedded: EmbeddedMongo | None = None
    uri = settings.mongodb_uri
    if uri is None:
        embedded = EmbeddedMongo(settings.data_dir)
        uri = await embedded.start()
    store = EventStore.connect(
        uri,
        settings.database,
        timeout_seconds=settings.mongodb_timeout_seconds,
        query_seconds=settings.query_timeout_seconds,
        lease_seconds=settings.sequence_lease_seconds,
    )
    started = time.monotonic()
    last_report = 0.0

    def progress(done: int, of: int) -> None:
        nonlocal last_report
        now = time.monotonic()
        if now - last_report < 1 and done < of:
            return
        last_report = now
        rate = done / max(now - started, 1e-9)
        share = 100 * done / of if of else 100
        print(f"read models: {done:,}/{of:,} events ({share:.0f}%), {rate:,.0f}/s", flush=True)

    try:
        await store.prepare()
        await store.rebuild_read_models(progress)
        print(f"read models rebuilt in {time.monotonic() - started:.1f}s", flush=True)
    finally:
        await store.close()
        if embedded is not None:
            await embedded.stop()


def export_schema(path: str) -> None:
    from app.graphql.schema import schema

    sdl = schema.as_str() + "\n"
    if path == "-":
        sys.stdout.write(sdl)
    else:
        Path(path).write_text(sdl)
