#!/usr/bin/env python3
"""Load a JSON file of events into the event store, in all-or-nothing batches.

The file holds a list of events (or an object with an `events` or `examples` list). Each is a
CTO.ai lifecycle body (`event_name`, …) or a FlexDeploy message (`eventType`, …).

    python scripts/load_events.py events.json [--batch-size 500] [--url …/graphql]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from graphql_client import (
    DEFAULT_URL,
    GraphQLFailure,
    execute,
    flexdeploy_input,
    lifecycle_input,
)

INGEST = """
mutation Load($lifecycle: [LifecycleEventInput!], $flexDeploy: [FlexDeployEventInput!]) {
  ingestEvents(lifecycle: $lifecycle, flexDeploy: $flexDeploy) { count }
}
"""


def read_events(path: Path) -> list[dict[str, Any]]:
    content = json.loads(path.read_text())
    if isinstance(content, dict):
        content = content.get("events", content.get("examples"))
    if not isinstance(content, list):
        raise ValueError(f"{path}: expected a list of events (or an `events` list)")
    return content


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--url", default=DEFAULT_URL, help=f"GraphQL endpoint ({DEFAULT_URL})")
    args = parser.parse_args()

    try:
        events = read_events(args.file)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    stored = 0
    for start in range(0, len(events), args.batch_size):
        batch = events[start : start + args.batch_size]
        lifecycle = [lifecycle_input(e) for e in batch if "event_name" in e]
        flexdeploy = [flexdeploy_input(e) for e in batch if "event_name" not in e]
        try:
            result = execute(args.url, INGEST, {"lifecycle": lifecycle, "flexDeploy": flexdeploy})
        except GraphQLFailure as failure:
            print(
                f"error in events {start} to {start + len(batch) - 1}: {failure}", file=sys.stderr
            )
            print(f"{stored} events stored before the failure", file=sys.stderr)
            return 1
        stored += result["ingestEvents"]["count"]
    print(f"{stored} events stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
