#!/usr/bin/env python3
"""Send one CTO.ai lifecycle event to the event store, like the CTO.ai curl examples.

    python scripts/send_event.py --name deployment --action succeeded \
        --repo api --branch main --commit 298673a --team 02f71e12 [--data environment=prod]

With --rest it posts CTO.ai's own body to `POST /events`, as the curl examples do.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from graphql_client import (
    DEFAULT_URL,
    TOKEN_HELP,
    RequestFailure,
    execute,
    lifecycle_input,
    post_json,
)

INGEST = """
mutation Send($input: LifecycleEventInput!, $key: String) {
  ingestLifecycleEvent(input: $input, idempotencyKey: $key) {
    created
    event { __typename ... on Event { id type action teamId timestamp cursor } }
  }
}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=TOKEN_HELP)
    parser.add_argument("--name", required=True, help="event_name, e.g. deployment")
    parser.add_argument("--action", help="event_action, e.g. succeeded")
    parser.add_argument("--repo")
    parser.add_argument("--branch")
    parser.add_argument("--commit")
    parser.add_argument("--team", help="team_id")
    parser.add_argument("--timestamp", help="ISO-8601; the receive time when left out")
    parser.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a further field (VALUE is parsed as JSON when it can be); repeatable",
    )
    parser.add_argument("--idempotency-key", help="makes retries store the event once")
    parser.add_argument("--rest", action="store_true", help="use CTO.ai's POST /events")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the service ({DEFAULT_URL})")
    args = parser.parse_args()

    named = {
        "event_name": args.name,
        "event_action": args.action,
        "commit": args.commit,
        "branch": args.branch,
        "repo": args.repo,
        "team_id": args.team,
        "timestamp": args.timestamp,
    }
    body = {key: value for key, value in named.items() if value is not None}
    body |= dict(_field(item) for item in args.data)
    try:
        result = _send_rest(args, body) if args.rest else _send_graphql(args, body)
    except RequestFailure as failure:
        print(f"error: {failure}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


def _send_graphql(args: argparse.Namespace, body: dict[str, Any]) -> Any:
    variables = {"input": lifecycle_input(body), "key": args.idempotency_key}
    return execute(args.url, INGEST, variables)["ingestLifecycleEvent"]


def _send_rest(args: argparse.Namespace, body: dict[str, Any]) -> Any:
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else {}
    _, stored = post_json(args.url.rstrip("/") + "/events", body, headers)
    return stored


def _field(item: str) -> tuple[str, object]:
    key, _, text = item.partition("=")
    try:
        return key, json.loads(text)
    except json.JSONDecodeError:
        return key, text


if __name__ == "__main__":
    sys.exit(main())
