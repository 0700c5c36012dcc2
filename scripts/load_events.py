#!/usr/bin/env python3
"""Load a JSON file of events into the event store.

The file holds a list of events (or an object with an `events` or `examples` list). Each is a
CTO.ai lifecycle body (`event_name`, …) or a FlexDeploy message (`eventType`, …).

    python scripts/load_events.py events.json [--batch-size 500] [--url http://127.0.0.1:8000]

Through GraphQL, each batch is stored whole or not at all. With --rest, each event is posted
on its own to `POST /events` or `POST /webhooks/flexdeploy`, as the tools themselves do.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from graphql_client import (
    DEFAULT_URL,
    TOKEN_HELP,
    RequestFailure,
    execute,
    flexdeploy_input,
    lifecycle_input,
    post_json,
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


def is_lifecycle(event: dict[str, Any]) -> bool:
    return "event_name" in event


def load_graphql(url: str, events: list[dict[str, Any]], batch_size: int) -> int:
    stored = 0
    for start in range(0, len(events), batch_size):
        batch = events[start : start + batch_size]
        lifecycle = [lifecycle_input(e) for e in batch if is_lifecycle(e)]
        flexdeploy = [flexdeploy_input(e) for e in batch if not is_lifecycle(e)]
        try:
            result = execute(url, INGEST, {"lifecycle": lifecycle, "flexDeploy": flexdeploy})
        except RequestFailure as failure:
            raise RequestFailure(
                f"in events {start} to {start + len(batch) - 1} ({stored} stored before): {failure}"
            ) from None
        stored += result["ingestEvents"]["count"]
    return stored


def load_rest(url: str, events: list[dict[str, Any]]) -> int:
    for index, event in enumerate(events):
        if is_lifecycle(event):
            target, body = "/events", event
        else:
            target, body = "/webhooks/flexdeploy", flexdeploy_input(event)
        try:
            post_json(url.rstrip("/") + target, body)
        except RequestFailure as failure:
            raise RequestFailure(f"in event {index} ({index} stored before): {failure}") from None
    return len(events)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=TOKEN_HELP)
    parser.add_argument("file", type=Path)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rest", action="store_true", help="post each event to the REST API")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the service ({DEFAULT_URL})")
    args = parser.parse_args()
    try:
        events = read_events(args.file)
        if args.rest:
            stored = load_rest(args.url, events)
        else:
            stored = load_graphql(args.url, events, args.batch_size)
    except (OSError, ValueError, RequestFailure) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{stored} events stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
