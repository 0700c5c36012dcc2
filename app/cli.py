"""The `eventstore` command: run the service, or write the schema's SDL."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from app.config import Settings

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="eventstore", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the service (the default)")
    serve.add_argument("--host", help="overrides EVENTSTORE_HOST")
    serve.add_argument("--port", type=int, help="overrides EVENTSTORE_PORT")
    export = commands.add_parser("export-schema", help="write the schema's SDL")
    export.add_argument("path", nargs="?", default="schema.graphql", help="'-' for stdout")
    args = parser.parse_args(argv)
    if args.command == "export-schema":
        export_schema(args.path)
    else:
        run_service(getattr(args, "host", None), getattr(args, "port", None))


def run_service(host: str | None, port: int | None) -> None:
    from app.main import create_app

    settings = Settings()
    overrides = {"host": host, "port": port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        # Pings drop dead websocket peers (Strawberry sends none on graphql-transport-ws).
        ws_ping_interval=settings.ws_ping_seconds,
        ws_ping_timeout=settings.ws_ping_seconds,
    )


def export_schema(path: str) -> None:
    from app.graphql.schema import schema

    sdl = schema.as_str() + "\n"
    if path == "-":
        sys.stdout.write(sdl)
    else:
        Path(path).write_text(sdl)
