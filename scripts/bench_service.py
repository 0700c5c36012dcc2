"""The service for one benchmark: on MONGODB_URI, else on an embedded server of its own, in a
database of its own, ready; stopped and cleaned away after."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bench_scale import free_port, start_service, stop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.store.embedded import EmbeddedMongo  # noqa: E402

__all__ = ["Service", "fresh_service"]


@dataclass(frozen=True)
class Service:
    url: str
    pid: int
    mongodb_uri: str
    database: str


@contextlib.asynccontextmanager
async def fresh_service(settings: dict[str, str] | None = None) -> AsyncIterator[Service]:
    """`python -m app` with `settings` (EVENTSTORE_* variables) beside the benchmark's own."""
    workdir = Path(tempfile.mkdtemp(prefix="eventstore-bench-"))
    embedded, uri = None, os.environ.get("MONGODB_URI")
    if uri is None:
        embedded = EmbeddedMongo(workdir / "mongo")
        uri = await embedded.start()
    port, database = free_port(), f"bench_{uuid.uuid4().hex[:8]}"
    environment = os.environ | {
        "MONGODB_URI": uri,
        "EVENTSTORE_DATABASE": database,
        "EVENTSTORE_PORT": str(port),
        "EVENTSTORE_LOG_LEVEL": "WARNING",
    }
    url = f"http://127.0.0.1:{port}"
    try:
        process = await start_service(environment | (settings or {}), url)
        try:
            yield Service(url, process.pid, uri, database)
        finally:
            await stop(process)
    finally:
        if embedded is not None:
            await embedded.stop()
        shutil.rmtree(workdir, ignore_errors=True)
