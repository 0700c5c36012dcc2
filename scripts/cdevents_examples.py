#!/usr/bin/env python3
"""Write one example CDEvent per CDEvents 0.5.1 type to tests/data/cdevents/.

    python scripts/cdevents_examples.py

Every content property the type's schema (the app's copy) describes is filled with a value a
real tool could send, looked up by the property's name: a schema property with no value
here stops the script, so the examples keep covering whole schemas when the spec grows.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.families.cdevents.types import CDEVENT_TYPES, SPEC_VERSION  # noqa: E402

SCHEMAS = ROOT / "app" / "families" / "cdevents" / "schemas"
OUT = ROOT / "tests" / "data" / "cdevents"
TIMESTAMP = "2026-11-01T10:00:00Z"
ARTIFACT = "pkg:oci/myapp@sha256%3A0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427"

# Where each subject's events come from, and what the subject is.
SOURCES = {
    "pipelinerun": ("/tekton/my-cluster", "myapp-build-7j2k9"),
    "taskrun": ("/tekton/my-cluster", "myapp-build-7j2k9-build-image"),
    "build": ("/tekton/my-cluster", "myapp-build-1187"),
    "environment": ("/argocd/prod-cluster", "production"),
    "service": ("/argocd/prod-cluster", "myapp"),
    "artifact": ("/harbor/registry", ARTIFACT),
    "incident": ("/pagerduty/myorg", "incident-Q2X8M4"),
    "ticket": ("/jira/myorg", "APP-1234"),
    "repository": ("/github/myorg", "myorg/myapp"),
    "branch": ("/github/myorg", "feature/retry-payments"),
    "change": ("/github/myorg", "myorg/myapp/pull/42"),
    "testcaserun": ("/testkube/my-cluster", "checkout-pays-with-card-run-17"),
    "testsuiterun": ("/testkube/my-cluster", "nightly-e2e-2026-11-01"),
    "testoutput": ("/testkube/my-cluster", "checkout-pays-with-card-report"),
}

# Values by property name; `<subject>.<name>` where subjects mean different things by it.
VALUES: dict[str, Any] = {
    "artifactId": ARTIFACT,
    "user": "release-bot",
    "signature": "MEYCIQCBT8U5ypDXWCjlNKfzTV4KH516/SK13NCSQWu1P5ymtwIhAJ8jIHMPJX9ydOw5wQFKMiMyMcD0",
    "environment": {"id": "production", "source": "/argocd/prod-cluster"},
    "service": {"id": "myapp", "source": "/argocd/prod-cluster"},
    "repository": {"id": "myorg/myapp", "source": "https://github.com/myorg/myapp"},
    "change": {"id": "myorg/myapp/pull/42", "source": "https://github.com/myorg/myapp"},
    "sbom": {"uri": "https://sbom.example.com/myapp/1.4.2/sbom.spdx.json"},
    "pipelineRun": {"id": "myapp-build-7j2k9", "source": "/tekton/my-cluster"},
    "testSuiteRun": {"id": "nightly-e2e-2026-11-01", "source": "/testkube/my-cluster"},
    "testCaseRun": {"id": "checkout-pays-with-card-run-17", "source": "/testkube/my-cluster"},
    "testCase": {
        "id": "checkout-pays-with-card",
        "version": "1.2.0",
        "name": "Checkout pays with a card",
        "type": "e2e",
        "uri": "https://tests.example.com/cases/checkout-pays-with-card",
    },
    "testSuite": {
        "id": "nightly-e2e",
        "version": "3.1.0",
        "name": "Nightly end-to-end suite",
        "uri": "https://tests.example.com/suites/nightly-e2e",
    },
    "trigger": {"type": "schedule", "uri": "https://ci.example.com/schedules/nightly"},
    "pipelineName": "myapp-build",
    "taskName": "build-image",
    "outcome": "failure",
    "errors": "step build-and-push exited with code 1",
    "severity": "high",
    "reason": "checkout page did not load within 30 s",
    "testcaserun.skipped.reason": "the card payment feature flag is off in staging",
    "outputType": "report",
    "format": "application/pdf",
    "environment.name": "production",
    "environment.uri": "https://k8s.example.com/clusters/prod",
    "pipelinerun.uri": "https://tekton.example.com/pipelineruns/myapp-build-7j2k9",
    "taskrun.uri": "https://tekton.example.com/taskruns/myapp-build-7j2k9-build-image",
    "repository.name": "myapp",
    "repository.uri": "https://github.com/myorg/myapp.git",
    "testoutput.uri": "https://ci.example.com/runs/1187/checkout-report.pdf",
    "ticket.uri": "https://jira.example.com/browse/APP-1234",
    "owner": "myorg",
    "viewUrl": "https://github.com/myorg/myapp",
    "incident.description": "Checkout error rate above 5% for 10 minutes",
    "change.description": "Retry card payments once on a gateway timeout",
    "ticketURI": "https://jira.example.com/browse/OPS-512",
    "summary": "Checkout times out under load",
    "ticketType": "bug",
    "group": "payments",
    "creator": "alice",
    "assignees": ["bob", "carol"],
    "priority": "high",
    "labels": ["checkout", "performance"],
    "milestone": "2026-Q4",
    "resolution": "completed",
    "updatedBy": "bob",
}


def content(subject: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Every property of a `subject.content` schema, with its value from VALUES."""
    filled = {}
    for name in schema.get("properties", {}):
        key = next((k for k in (f"{subject}.{name}", name) if k in VALUES), None)
        if key is None:
            raise SystemExit(f"no example value for {subject} content property {name!r}")
        filled[name] = VALUES[key]
    return filled


def example(event_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    entry = CDEVENT_TYPES[event_type]
    source, subject_id = SOURCES[entry.subject]
    subject_schema = schema["properties"]["subject"]
    subject: dict[str, Any] = {"id": subject_id, "source": source}
    if "type" in subject_schema["properties"]:
        subject["type"] = subject_schema["properties"]["type"]["enum"][0]
    subject["content"] = content(entry.subject, subject_schema["properties"]["content"])
    context = {
        "specversion": SPEC_VERSION,
        # The same id for the same type on every run: the files only change with the schemas.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://cdevents.dev/{event_type}")),
        "source": source,
        "type": event_type,
        "timestamp": TIMESTAMP,
    }
    return {"context": context, "subject": subject}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for path in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(path.read_text())
        event_type = schema["properties"]["context"]["properties"]["type"]["enum"][0]
        entry = CDEVENT_TYPES[event_type]
        target = OUT / f"{entry.subject}.{entry.predicate}.json"
        target.write_text(json.dumps(example(event_type, schema), indent=2) + "\n")
    print(f"wrote {len(CDEVENT_TYPES)} examples to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
