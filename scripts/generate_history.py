#!/usr/bin/env python3
"""Write a realistic delivery history as CTO.ai lifecycle events, to try the insights on.

    python scripts/generate_history.py history.json [--weeks 6] [--seed 7]
    python scripts/load_events.py history.json

Several teams and repos; on working days commits, builds, deployments (some failing, some
naming no commit), and now and then an incident, usually followed by its recovery.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TEAMS = {"team-payments": ["api", "ledger"], "team-web": ["web"]}
START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday


def delivery_history(
    weeks: int = 6, seed: int = 7, start: datetime = START
) -> list[dict[str, Any]]:
    """The events, oldest first; the same arguments always give the same history."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []

    def emit(
        when: datetime, team: str, repo: str, name: str, action: str, commit: str | None
    ) -> None:
        body = {
            "event_name": name,
            "event_action": action,
            "team_id": team,
            "repo": repo,
            "branch": "main",
        }
        if commit is not None:
            body["commit"] = commit
        events.append(body | {"timestamp": when.isoformat()})

    for day in range(weeks * 7):
        date = start + timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for team, repos in TEAMS.items():
            for repo in repos:
                for _ in range(rng.randint(0, 3)):
                    commit = f"{repo}-{rng.getrandbits(32):08x}"
                    written = date + timedelta(hours=rng.randint(8, 12), minutes=rng.randint(0, 59))
                    emit(written, team, repo, "commit", "initiated", commit)
                    built = written + timedelta(minutes=rng.randint(5, 40))
                    emit(built, team, repo, "build", "succeeded", commit)
                    deployed = built + timedelta(
                        hours=rng.randint(1, 30), minutes=rng.randint(0, 59)
                    )
                    outcome = "failed" if rng.random() < 0.15 else "succeeded"
                    emit(deployed, team, repo, "deployment", outcome, commit)
                    if outcome == "succeeded" and rng.random() < 0.1:
                        opened = deployed + timedelta(hours=rng.randint(1, 6))
                        emit(opened, team, repo, "incident", "initiated", commit)
                        if rng.random() < 0.8:
                            fixed = opened + timedelta(minutes=rng.randint(20, 600))
                            closing = "recovery" if rng.random() < 0.5 else "incident"
                            emit(fixed, team, repo, closing, "succeeded", commit)
                if rng.random() < 0.1:
                    hotfix = date + timedelta(hours=16)
                    emit(hotfix, team, repo, "deployment", "succeeded", None)
    return sorted(events, key=lambda event: event["timestamp"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    history = delivery_history(args.weeks, args.seed)
    args.file.write_text(json.dumps(history, indent=1))
    print(f"{len(history)} events written to {args.file}")


if __name__ == "__main__":
    main()
