"""What the database charges a batch insert for the events collection's indexes.

The driver's `insert_many` of the service's own documents, 500 at a time, into collections
with no index but `_id`, with the first one, two, four and all of the events collection's
indexes (`app/store/indexes.py`), each beside the `_id`-only rate of the same run. It says how
near an `_id`-only insert any layout with indexed reads can come on a given server: the bench's
batch ingest is compared with both.

    .venv/bin/python scripts/bench_indexes.py [--batches 6] [--rounds 2]

MONGODB_URI picks the server; without it, the embedded one in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import BATCH_SIZE, LIMITS, body
from pymongo import AsyncMongoClient, IndexModel

from app.documents.layout import to_document
from app.families.lifecycle.intake import lifecycle_event
from app.store.embedded import EmbeddedMongo
from app.store.indexes import EVENT_INDEXES
from app.timestamps import utc_now

LAYOUTS: list[tuple[str, list[IndexModel]]] = [
    ("`_id` only", []),
    ("+ seq", EVENT_INDEXES[:1]),
    ("+ seq, timestamp", EVENT_INDEXES[:2]),
    ("+ the first four", EVENT_INDEXES[:4]),
    (f"+ all {len(EVENT_INDEXES)} (the service's)", EVENT_INDEXES),
]


class Documents:
    """The bench's deployments as the service stores them, numbered on from one call to the
    next."""

    def __init__(self) -> None:
        self.seq = 0

    def batch(self) -> list[dict[str, Any]]:
        now, documents = utc_now(), []
        for n in range(BATCH_SIZE):
            self.seq += 1
            event = lifecycle_event(body(n), now, LIMITS)
            documents.append(to_document(event, seq=self.seq, received_at=now))
        return documents


async def rate(database: Any, name: str, indexes: list[IndexModel], batches: int) -> float:
    """Events per second into a fresh collection with `indexes`, past two batches' warm-up."""
    collection, documents = database[name], Documents()
    if indexes:
        await collection.create_indexes(indexes)
    for _ in range(2):
        await collection.insert_many(documents.batch())
    prepared = [documents.batch() for _ in range(batches)]  # built before the clock starts
    started = time.perf_counter()
    for batch in prepared:
        await collection.insert_many(batch)
    return batches * BATCH_SIZE / (time.perf_counter() - started)


async def main(batches: int, rounds: int) -> None:
    embedded, uri = None, os.environ.get("MONGODB_URI")
    if uri is None:
        embedded = EmbeddedMongo(Path(tempfile.mkdtemp(prefix="eventstore-indexes-")))
        uri = await embedded.start()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    database = client[f"bench_indexes_{uuid.uuid4().hex[:8]}"]
    try:
        print(f"| layout | events/s, batches of {BATCH_SIZE} | ratio to `_id` only |")
        print("| --- | --- | --- |")
        for round_ in range(rounds):
            baseline = 0.0
            for number, (label, indexes) in enumerate(LAYOUTS):
                per_s = await rate(database, f"r{round_}_{number}", indexes, batches)
                baseline = baseline or per_s
                print(f"| {label} | {per_s:.0f} | {per_s / baseline:.2f} |", flush=True)
    finally:
        await client.drop_database(database.name)
        await client.close()
        if embedded is not None:
            await embedded.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=6, help="timed batches per layout")
    parser.add_argument("--rounds", type=int, default=2, help="every layout, this many times")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.batches, arguments.rounds))
