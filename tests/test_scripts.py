"""The command-line sender and loader, run as a user runs them, against a running service."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from pydantic import SecretStr

from app.config import Settings
from tests.graphql.queries import EVENTS_PAGE
from tests.utils.service import DATA, RunningService, running_service
from tests.utils.tokens import TEAM_A, TOKENS

SCRIPTS = Path(__file__).parent.parent / "scripts"


async def run_script(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "EVENTSTORE_TOKEN"} | (env or {})
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_send_event_stores_a_lifecycle_event(service: RunningService) -> None:
    code, out, _ = await run_script(
        str(SCRIPTS / "send_event.py"),
        "--url",
        service.url,
        "--name",
        "deployment",
        "--action",
        "succeeded",
        "--repo",
        "api",
        "--branch",
        "main",
        "--commit",
        "298673a9",
        "--team",
        "02f71e12",
        "--data",
        "environment=production",
        "--data",
        "attempt=2",
    )

    assert code == 0
    printed = json.loads(out)
    assert printed["created"] is True
    assert printed["event"]["__typename"] == "DeploymentEvent"
    answer = await service.graphql(
        "query($id: ID!) { event(id: $id) { ... on DeploymentEvent { repo commit data } } }",
        id=printed["event"]["id"],
    )
    assert answer.data["event"] == {
        "repo": "api",
        "commit": "298673a9",
        "data": {"environment": "production", "attempt": 2},
    }


async def test_send_event_reports_bad_input_and_fails(service: RunningService) -> None:
    code, _, err = await run_script(
        str(SCRIPTS / "send_event.py"),
        "--url",
        service.url,
        "--name",
        "build",
        "--action",
        "exploded",
    )

    assert code == 1
    assert "eventAction" in err
    assert await service.stored_count() == 0


async def test_load_events_ingests_a_file(service: RunningService, tmp_path: Path) -> None:
    flexdeploy = json.loads((DATA / "flexdeploy-events.json").read_text())["examples"]
    lifecycle = [
        {"event_name": "commit", "event_action": "initiated", "repo": "api", "ticket": "OPS-1"},
        {"event_name": "Deployment", "event_action": "Succeeded", "repo": "api"},
    ]
    events_file = tmp_path / "events.json"
    events_file.write_text(json.dumps(lifecycle + flexdeploy))

    code, out, _ = await run_script(
        str(SCRIPTS / "load_events.py"),
        str(events_file),
        "--url",
        service.url,
        "--batch-size",
        "5",
    )

    assert code == 0
    total = len(lifecycle) + len(flexdeploy)
    assert out.strip() == f"{total} events stored"
    page = (await service.graphql(EVENTS_PAGE, limit=100)).data["events"]
    assert page["totalCount"] == total


async def test_load_events_says_where_a_bad_event_is_and_a_rerun_stores_nothing_twice(
    service: RunningService, tmp_path: Path
) -> None:
    events = [{"event_name": "deploy", "event_action": "x", "n": n} for n in range(10)]
    events[7] = {"event_name": "build", "event_action": "nope", "n": 7}
    events_file = tmp_path / "events.json"
    events_file.write_text(json.dumps(events))
    load = [str(SCRIPTS / "load_events.py"), str(events_file), "--url", service.url]
    load += ["--batch-size", "5"]

    failed, _, told = await run_script(*load)
    stored_then = await service.stored_count()
    events[7]["event_action"] = "failed"  # the file, fixed
    events_file.write_text(json.dumps(events))
    fixed, said, _ = await run_script(*load)
    again, said_again, _ = await run_script(*load)

    assert failed == 1
    assert "nothing stored from event 5 on (5 before it are)" in told
    assert "event 7, event_action: build events take one of" in told  # its place in the file
    assert "5 of 10 events" in told  # progress, on stderr
    assert stored_then == 5
    assert (fixed, said.strip()) == (0, "5 events stored, 5 stored before")
    assert (again, said_again.strip()) == (0, "0 events stored, 10 stored before")
    assert await service.stored_count() == 10


async def test_load_events_resumes_after_what_was_stored(
    service: RunningService, tmp_path: Path
) -> None:
    events = [{"event_name": "deploy", "event_action": "x", "n": n} for n in range(10)]
    events_file = tmp_path / "events.json"
    events_file.write_text(json.dumps(events[:6]))
    load = [str(SCRIPTS / "load_events.py"), str(events_file), "--url", service.url]
    load += ["--batch-size", "3", "--resume"]

    first = await run_script(*load)
    events_file.write_text(json.dumps(events))  # more events appended to the file
    second = await run_script(*load)
    events_file.write_text(json.dumps(list(reversed(events))))
    changed = await run_script(*load)

    assert (first[0], first[1].strip()) == (0, "6 events stored")
    assert (second[0], second[1].strip()) == (0, "4 events stored")  # the first 6 not resent
    assert changed[0] == 1
    assert "run without --resume" in changed[2]
    assert await service.stored_count() == 10


async def test_send_event_speaks_the_cto_rest_shape(service: RunningService) -> None:
    incident = [str(SCRIPTS / "send_event.py"), "--rest", "--url", service.url]
    incident += ["--name", "incident", "--action", "initiated", "--idempotency-key", "pager-1"]

    code, out, _ = await run_script(*incident, "--team", "02f71e12", "--data", "severity=2")
    again, _, _ = await run_script(*incident)

    assert (code, again) == (0, 0)
    stored = json.loads(out)
    assert {k: stored[k] for k in ("event_name", "event_action", "team_id", "severity")} == {
        "event_name": "incident",
        "event_action": "initiated",
        "team_id": "02f71e12",
        "severity": 2,
    }
    assert await service.stored_count() == 1


async def test_load_events_over_rest(service: RunningService, tmp_path: Path) -> None:
    flexdeploy = json.loads((DATA / "flexdeploy-events.json").read_text())["examples"]
    lifecycle = [{"event_name": "build", "event_action": "failed", "repo": "api"}]
    events_file = tmp_path / "events.json"
    events_file.write_text(json.dumps({"events": lifecycle + flexdeploy}))

    code, out, _ = await run_script(
        str(SCRIPTS / "load_events.py"), str(events_file), "--rest", "--url", service.url
    )

    again, said_again, _ = await run_script(
        str(SCRIPTS / "load_events.py"), str(events_file), "--rest", "--url", service.url
    )

    total = len(lifecycle) + len(flexdeploy)
    assert code == 0
    assert out.strip() == f"{total} events stored"
    assert (again, said_again.strip()) == (0, f"0 events stored, {total} stored before")
    assert await service.stored_count() == total


async def test_scripts_send_the_token_from_the_environment(guarded: RunningService) -> None:
    send = [str(SCRIPTS / "send_event.py"), "--url", guarded.url, "--name", "deployment"]
    send += ["--action", "succeeded"]

    refused = await run_script(*send, env={})
    accepted = await run_script(*send, env={"EVENTSTORE_TOKEN": TEAM_A})
    over_rest = await run_script(*send, "--rest", env={"EVENTSTORE_TOKEN": TEAM_A})

    assert refused[0] == 1
    assert "HTTP 401" in refused[2]
    assert (accepted[0], over_rest[0]) == (0, 0)
    assert json.loads(accepted[1])["event"]["teamId"] == "team-a"
    assert json.loads(over_rest[1])["team_id"] == "team-a"


REPLAY_SECRETS = "github:gh-s3cret=team-a,gitlab:gl-t0ken=team-a,pagerduty:pd-s3cret=team-a"


def recorded_deliveries(folder: Path) -> dict[str, Path]:
    """A folder per source, as a team would save them: GitHub's own record of each delivery
    (`request.headers`, `request.payload`), the others as headers and body."""
    sources = {source: folder / source for source in ("github", "gitlab", "pagerduty")}
    for path in sources.values():
        path.mkdir()
    for number, kind in enumerate(["push", "deployment_status", "ping"]):
        record = {
            "id": 1000 + number,
            "guid": f"guid-{number}",
            "event": kind,
            "request": {
                "headers": {
                    "X-GitHub-Event": kind,
                    "X-GitHub-Delivery": f"guid-{number}",
                    "X-Hub-Signature-256": "sha256=made-with-githubs-copy-of-the-secret",
                },
                "payload": json.loads((DATA / "github" / f"{kind}.json").read_text()),
            },
            "response": {"headers": {}, "payload": None},
        }
        (sources["github"] / f"{number:03}-{kind}.json").write_text(json.dumps(record))
    for source in ("gitlab", "pagerduty"):
        headers = json.loads((DATA / source / "headers.json").read_text())
        for name in sorted(headers)[:3]:
            body = json.loads((DATA / source / name).read_text())
            saved = {"headers": headers[name], "body": body}
            (sources[source] / name).write_text(json.dumps(saved))
    return sources


async def test_replay_deliveries_loads_each_source_signed_and_stores_nothing_twice(
    settings: Settings, tmp_path: Path
) -> None:
    configured = settings.model_copy(
        update={"tokens": TOKENS, "webhook_secrets": SecretStr(REPLAY_SECRETS)}
    )
    folders = recorded_deliveries(tmp_path)
    secrets = {"github": "gh-s3cret", "gitlab": "gl-t0ken", "pagerduty": "pd-s3cret"}
    async with running_service(configured) as service:

        async def replay(source: str, secret: str) -> tuple[int, str, str]:
            return await run_script(
                str(SCRIPTS / "replay_deliveries.py"),
                *("--source", source, "--url", service.url, str(folders[source])),
                env={"EVENTSTORE_REPLAY_SECRET": secret},
            )

        first = {source: await replay(source, secret) for source, secret in secrets.items()}
        again = await replay("github", secrets["github"])
        wrong = await replay("pagerduty", "not-the-secret")
        teams = set(await service.mongo[settings.database]["events"].distinct("teamId"))
        stored = await service.stored_count()

    assert {source: outcome[:2] for source, outcome in first.items()} == {
        "github": (0, "2 stored, 0 stored before, 1 ignored (of 3 files)\n"),
        "gitlab": (0, "3 stored, 0 stored before, 0 ignored (of 3 files)\n"),
        "pagerduty": (0, "3 stored, 0 stored before, 0 ignored (of 3 files)\n"),
    }
    assert again[:2] == (0, "0 stored, 2 stored before, 1 ignored (of 3 files)\n")
    assert wrong[0] == 1
    assert "HTTP 401" in wrong[2]
    assert "EVENTSTORE_REPLAY_SECRET" in wrong[2]
    assert (stored, teams) == (8, {"team-a"})


async def test_the_webhook_benchmark_runs_in_its_small_form() -> None:
    """The benchmark's full form is for scripts/ (docs/performance.md); this keeps it working."""
    code, out, err = await run_script(
        str(SCRIPTS / "bench_webhooks.py"), "--webhooks", "3", "--rate", "20", "--seconds", "1"
    )

    assert code == 0, err
    figures = json.loads(out)
    assert figures["service"]["delivered"] == figures["service"]["of"] == 20
    assert figures["plain_client"]["delivered"] == 20
    assert figures["webhooks_failing"] == 0
