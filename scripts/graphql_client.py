"""A tiny client for the scripts: standard library only, so they run on any CI machine with a
Python, without installing anything. Speaks GraphQL, or the REST shapes (`--rest`)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

DEFAULT_URL = "http://127.0.0.1:8000"
# From the environment, not the command line: CI systems keep secrets there, and a command
# line is visible to every user of the machine.
TOKEN_VARIABLE = "EVENTSTORE_TOKEN"
TOKEN_HELP = f"With tokens configured on the service, set {TOKEN_VARIABLE} to yours."


class RequestFailure(Exception):
    """The service answered with errors, or could not be reached; `errors` are the GraphQL
    errors when there were any."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


def post_json(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """POST `body` as JSON; the status and the JSON answer (errors raise RequestFailure)."""
    return post_raw(url, json.dumps(body).encode(), headers)


def post_raw(url: str, data: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """POST these exact bytes as JSON (what a signature was made over); as `post_json`."""
    token = os.environ.get(TOKEN_VARIABLE)
    request = urllib.request.Request(
        url,
        data=data,
        headers={"content-type": "application/json", "accept": "application/json"}
        | ({"authorization": f"Bearer {token}"} if token else {})
        | (headers or {}),
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        raise RequestFailure(f"{url} answered HTTP {error.code}: {error.read().decode()}") from None
    except urllib.error.URLError as error:
        raise RequestFailure(f"cannot reach {url}: {error.reason}") from None


def execute(base_url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """Run one GraphQL operation; return its `data` or raise RequestFailure with the errors."""
    _, body = post_json(base_url.rstrip("/") + "/graphql", {"query": query, "variables": variables})
    if body.get("errors"):
        errors = body["errors"]
        raise RequestFailure("\n".join(error["message"] for error in errors), errors)
    data: dict[str, Any] = body["data"]
    return data


LIFECYCLE_FIELDS = {
    "event_name": "eventName",
    "event_action": "eventAction",
    "team_id": "teamId",
    "commit": "commit",
    "branch": "branch",
    "repo": "repo",
    "timestamp": "timestamp",
}
FLEXDEPLOY_FIELDS = ("eventType", "actor", "object", "timestamp", "payload")


def lifecycle_input(body: dict[str, Any]) -> dict[str, Any]:
    """A CTO.ai `POST /events` body as a `LifecycleEventInput`."""
    named = {LIFECYCLE_FIELDS[key]: value for key, value in body.items() if key in LIFECYCLE_FIELDS}
    data = {key: value for key, value in body.items() if key not in LIFECYCLE_FIELDS}
    return {**named, "data": data} if data else named


def flexdeploy_input(message: dict[str, Any]) -> dict[str, Any]:
    """A FlexDeploy event message as a `FlexDeployEventInput`."""
    return {key: message[key] for key in FLEXDEPLOY_FIELDS if key in message}
