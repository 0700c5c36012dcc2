#!/usr/bin/env python3
"""Load a JSON file of events into the event store.

The file holds a list of events (or an object with an `events` or `examples` list). Each is a
CTO.ai lifecycle body (`event_name`, …) or a FlexDeploy message (`eventType`, …).

    python scripts/load_events.py events.json [--batch-size 500] [--url http://127.0.0.1:8000]

Through GraphQL, each batch is stored whole or not at all. With --rest, each event is posted
on its own to `POST /events` or `POST /webhooks/flexdeploy`, as the tools themselves do.

Every event is sent under an idempotency key made of its place in the file and its content,
so running the script again, after a failure or a fix to the file, stores nothing twice
(keep the same --batch-size: a batch's key is made of its events'). Progress goes to stderr;
--resume starts after the last batch a previous run stored (recorded in FILE.progress.json).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql_client import (
    DEFAULT_URL,
    LIFECYCLE_FIELDS,
    TOKEN_HELP,
    RequestFailure,
    execute,
    flexdeploy_input,
    lifecycle_input,
    post_json,
)

INGEST = """
mutation Load($lifecycle: [LifecycleEventInput!], $flexDeploy: [FlexDeployEventInput!],
              $key: String) {
  ingestEvents(lifecycle: $lifecycle, flexDeploy: $flexDeploy, idempotencyKey: $key) {
    count created
  }
}
"""
# `lifecycle[3].eventAction`: which list of the batch, the place in it, the field.
BATCH_PATH = re.compile(r"^(lifecycle|flexDeploy)\[(\d+)\]\.?(.*)$")
FILE_NAMES = {graphql: body for body, graphql in LIFECYCLE_FIELDS.items()}


def read_events(path: Path) -> list[dict[str, Any]]:
    content = json.loads(path.read_text())
    if isinstance(content, dict):
        content = content.get("events", content.get("examples"))
    if not isinstance(content, list):
        raise ValueError(f"{path}: expected a list of events (or an `events` list)")
    return content


def is_lifecycle(event: dict[str, Any]) -> bool:
    return "event_name" in event


def event_key(index: int, event: Any) -> str:
    """The event's idempotency key: where it is in the file, and what it says."""
    content = json.dumps(event, sort_keys=True, separators=(",", ":"))
    return "load-" + hashlib.sha256(f"{index}:{content}".encode()).hexdigest()[:40]


def batch_key(keys: list[str]) -> str:
    return "load-" + hashlib.sha256(",".join(keys).encode()).hexdigest()[:40]


@dataclass
class Progress:
    """How far the load is, said on stderr at most once a second, and kept in a file."""

    total: int
    path: Path
    done: int = 0
    new: int = 0
    again: int = 0
    _said: float = field(default=0.0)

    def advance(self, count: int, *, created: bool, last_key: str) -> None:
        self.done += count
        if created:
            self.new += count
        else:
            self.again += count
        self.path.write_text(json.dumps({"done": self.done, "last_key": last_key}))
        if time.monotonic() - self._said >= 1 or self.done == self.total:
            self._said = time.monotonic()
            print(
                f"{self.done:,} of {self.total:,} events ({self.new:,} stored, "
                f"{self.again:,} stored before)",
                file=sys.stderr,
            )

    def resume(self, keys: list[str]) -> int:
        """Where a previous run stopped, if it loaded this same file's events before it."""
        if not self.path.exists():
            return 0
        recorded = json.loads(self.path.read_text())
        done = int(recorded["done"])
        if done and (done > len(keys) or keys[done - 1] != recorded["last_key"]):
            raise ValueError(
                f"{self.path} is from another file, or this one changed before event {done}: "
                "run without --resume (nothing is stored twice)"
            )
        self.done = done
        return done


def load_graphql(
    url: str, events: list[dict[str, Any]], keys: list[str], size: int, progress: Progress
) -> None:
    for start in range(progress.done, len(events), size):
        places = list(range(start, min(start + size, len(events))))
        lifecycle = [i for i in places if is_lifecycle(events[i])]
        flexdeploy = [i for i in places if not is_lifecycle(events[i])]
        variables = {
            "lifecycle": [lifecycle_input(events[i]) for i in lifecycle],
            "flexDeploy": [flexdeploy_input(events[i]) for i in flexdeploy],
            "key": batch_key([keys[i] for i in places]),
        }
        try:
            result = execute(url, INGEST, variables)["ingestEvents"]
        except RequestFailure as failure:
            lists = {"lifecycle": lifecycle, "flexDeploy": flexdeploy}
            raise RequestFailure(
                f"nothing stored from event {start} on ({progress.done} before it are):\n"
                + in_file_terms(failure, lists)
            ) from None
        progress.advance(len(places), created=result["created"], last_key=keys[places[-1]])


def in_file_terms(failure: RequestFailure, lists: dict[str, list[int]]) -> str:
    """The service's complaints about a batch, told by each event's place in the file."""
    fields = [
        item
        for error in failure.errors
        for item in (error.get("extensions") or {}).get("fields", [])
    ]
    if not fields:
        return str(failure)
    lines = []
    for item in fields:
        found = BATCH_PATH.match(str(item.get("path", "")))
        if found is None:
            lines.append(f"  {item.get('path')}: {item.get('message')}")
            continue
        kind, place, rest = found.groups()
        index = lists[kind][int(place)]
        name = FILE_NAMES.get(rest.split(".")[0], rest) if kind == "lifecycle" else rest
        lines.append(f"  event {index}" + (f", {name}" if name else "") + f": {item['message']}")
    return "\n".join(lines)


def load_rest(url: str, events: list[dict[str, Any]], keys: list[str], progress: Progress) -> None:
    for index in range(progress.done, len(events)):
        event = events[index]
        if is_lifecycle(event):
            target, body = "/events", event
        else:
            target, body = "/webhooks/flexdeploy", flexdeploy_input(event)
        try:
            status, answer = post_json(
                url.rstrip("/") + target, body, headers={"Idempotency-Key": keys[index]}
            )
        except RequestFailure as failure:
            raise RequestFailure(
                f"event {index} was refused ({progress.done} before it are stored): {failure}"
            ) from None
        # CTO.ai's endpoint says 201 or 200; the webhook always 202, with `created`.
        created = bool(answer.get("created")) if status == 202 else status == 201
        progress.advance(1, created=created, last_key=keys[index])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=TOKEN_HELP)
    parser.add_argument("file", type=Path)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--rest", action="store_true", help="post each event to the REST API")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the service ({DEFAULT_URL})")
    parser.add_argument(
        "--resume", action="store_true", help="start after what a previous run stored"
    )
    args = parser.parse_args()
    try:
        events = read_events(args.file)
        keys = [event_key(index, event) for index, event in enumerate(events)]
        progress = Progress(len(events), args.file.with_name(args.file.name + ".progress.json"))
        if args.resume:
            progress.resume(keys)
        if args.rest:
            load_rest(args.url, events, keys, progress)
        else:
            load_graphql(args.url, events, keys, args.batch_size, progress)
    except (OSError, ValueError, RequestFailure) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    summary = f"{progress.new} events stored"
    if progress.again:
        summary += f", {progress.again} stored before"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
