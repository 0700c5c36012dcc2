#!/usr/bin/env python3
"""Replay recorded webhook deliveries into the event store, signed as their source signs them:
a team loads its last quarter from what GitHub, GitLab or PagerDuty kept.

    python scripts/replay_deliveries.py --source github FOLDER [--url http://127.0.0.1:8000]

FOLDER holds one JSON file per delivery, replayed in the order of their names. A file is
either GitHub's record of a delivery (what "Recent Deliveries" shows and
`GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}` answers: `request` with
its `headers` and `payload`), or any tool's as `{"headers": {…}, "body": {…}}`.

The secret is the one the service has for the source (`EVENTSTORE_WEBHOOK_SECRETS`), read
from EVENTSTORE_REPLAY_SECRET: each delivery is signed with it as its source does (GitHub's
`X-Hub-Signature-256`, GitLab's `X-Gitlab-Token`, PagerDuty's `X-PagerDuty-Signature`), so it
is stored under that secret's team. Each keeps its own delivery key (GitHub's
`X-GitHub-Delivery`, GitLab's `Idempotency-Key` or event UUID, PagerDuty's event id): running
the script again stores nothing twice. Without a secret the deliveries go unsigned, for a
service that checks none (EVENTSTORE_TOKEN is sent when set, as by every script here).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphql_client import DEFAULT_URL, TOKEN_HELP, RequestFailure, post_raw

SECRET_VARIABLE = "EVENTSTORE_REPLAY_SECRET"
# What each source's receiver reads from a delivery's headers; the rest are left behind (a
# recorded `Content-Length` or signature would not fit the bytes sent now).
KEPT_HEADERS = {
    "github": ("X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID"),
    "gitlab": ("X-Gitlab-Event", "X-Gitlab-Event-UUID", "Idempotency-Key", "X-Gitlab-Instance"),
    "pagerduty": ("X-Webhook-Id", "X-Webhook-Subscription"),
}


def _hex_hmac(secret: str, raw: bytes) -> str:
    return hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


SIGNERS: dict[str, Callable[[str, bytes], dict[str, str]]] = {
    "github": lambda secret, raw: {"X-Hub-Signature-256": "sha256=" + _hex_hmac(secret, raw)},
    "gitlab": lambda secret, raw: {"X-Gitlab-Token": secret},
    "pagerduty": lambda secret, raw: {"X-PagerDuty-Signature": "v1=" + _hex_hmac(secret, raw)},
}


def recorded(path: Path) -> tuple[dict[str, str], Any]:
    """A recorded delivery's headers and body, from either form the script reads."""
    content = json.loads(path.read_text())
    if not isinstance(content, dict):
        raise ValueError(f"{path}: expected a recorded delivery (a JSON object)")
    request = content.get("request", content)
    headers, body = request.get("headers"), request.get("payload", request.get("body"))
    if not isinstance(headers, dict) or body is None:
        raise ValueError(
            f"{path}: expected `request` with `headers` and `payload` (GitHub's record) or "
            "`headers` and `body`"
        )
    return {str(name): str(value) for name, value in headers.items()}, body


def delivery(source: str, path: Path, secret: str | None) -> tuple[bytes, dict[str, str]]:
    """The bytes to send and their headers: the ones the receiver reads, signed anew."""
    headers, body = recorded(path)
    wanted = {name.lower(): name for name in KEPT_HEADERS[source]}
    kept = {
        wanted[name.lower()]: value for name, value in headers.items() if name.lower() in wanted
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    if secret:
        kept |= SIGNERS[source](secret, raw)
    return raw, kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="one recorded delivery per JSON file")
    parser.add_argument("--source", choices=sorted(SIGNERS), required=True)
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the service (default {DEFAULT_URL})")
    options = parser.parse_args()
    secret = os.environ.get(SECRET_VARIABLE) or None
    endpoint = f"{options.url.rstrip('/')}/webhooks/{options.source}"
    files = sorted(options.folder.glob("*.json"))
    stored = again = ignored = 0
    for path in files:
        try:
            raw, headers = delivery(options.source, path, secret)
            _, answer = post_raw(endpoint, raw, headers)
        except (ValueError, RequestFailure) as failure:
            print(f"{path.name}: {failure}", file=sys.stderr)
            if "HTTP 401" in str(failure):
                print(
                    f"Set {SECRET_VARIABLE} to the source's secret. {TOKEN_HELP}", file=sys.stderr
                )
            print(
                f"{stored} stored, {again} stored before; stopped at {path.name}", file=sys.stderr
            )
            return 1
        if "ignored" in answer:
            ignored += 1
        elif answer.get("created"):
            stored += 1
        else:
            again += 1
    print(f"{stored} stored, {again} stored before, {ignored} ignored (of {len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
