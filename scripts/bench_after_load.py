"""Reads right after a load, as a new user meets them: the service started with its defaults,
a history loaded through `ingestEvents` (batches of 500, two clients), the scale benchmark's
reads sent at once, then again once the read models have caught up; and the models' lag
during the load and after it.

The history is the scale benchmark's year of events (`bench_scale.History`, 20 teams,
lifecycle events and FlexDeploy messages), each sent as its tool sent it (its `raw`): a tenth
of it first (every tenth event, so the first load spans the year too), then the rest.
FlexDeploy's messages carry no team, so without tokens they are stored under none.

    .venv/bin/python scripts/bench_after_load.py [--size 50000] [--runs 5]

Issue 32's table; its target: every read after the whole load within 2.5 times its time after
the first tenth, and the models' lag after the load under 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx
from bench_scale import History, time_reads
from bench_service import fresh_service
from pymongo import AsyncMongoClient

BATCH = """mutation($lifecycle: [LifecycleEventInput!], $flexDeploy: [FlexDeployEventInput!]) {
  ingestEvents(lifecycle: $lifecycle, flexDeploy: $flexDeploy) { count }
}"""
_LIFECYCLE_NAMED = {
    "event_name": "eventName",
    "event_action": "eventAction",
    "team_id": "teamId",
    "commit": "commit",
    "branch": "branch",
    "repo": "repo",
    "timestamp": "timestamp",
}
_FLEXDEPLOY_NAMED = ("eventType", "actor", "object", "timestamp", "payload")


def as_input(document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A stored document's `raw` as the GraphQL input its tool's body is sent as."""
    raw = document["raw"]
    if document["source"] == "LIFECYCLE":
        named = {_LIFECYCLE_NAMED[k]: v for k, v in raw.items() if k in _LIFECYCLE_NAMED}
        rest = {k: v for k, v in raw.items() if k not in _LIFECYCLE_NAMED}
        return "lifecycle", named | ({"data": rest} if rest else {})
    return "flexDeploy", {k: raw[k] for k in _FLEXDEPLOY_NAMED if k in raw}


async def load(http: httpx.AsyncClient, documents: list[dict[str, Any]], clients: int) -> float:
    """Send `documents` in batches of 500 from `clients` clients; the seconds it took."""
    batches: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for start in range(0, len(documents), 500):
        batches.put_nowait(documents[start : start + 500])

    async def client() -> None:
        while not batches.empty():
            variables: dict[str, list[dict[str, Any]]] = {"lifecycle": [], "flexDeploy": []}
            for document in batches.get_nowait():
                family, given = as_input(document)
                variables[family].append(given)
            answer = await http.post("/graphql", json={"query": BATCH, "variables": variables})
            assert "errors" not in answer.json(), answer.text[:500]

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    return time.monotonic() - started


class Lag:
    """The read models' lag (events stored, not yet absorbed), sampled twice a second."""

    def __init__(self, database: Any) -> None:
        self._database = database
        self.samples: list[tuple[float, int]] = []

    async def now(self) -> int:
        meta = await self._database["read_models"].find_one({"_id": "checkpoint"})
        counter = await self._database["counters"].find_one({"_id": "events"})
        stored = int(counter["seq"]) if counter else 0
        return stored - (int(meta["seq"]) if meta else 0)

    async def watch(self) -> None:
        while True:
            self.samples.append((time.monotonic(), await self.now()))
            await asyncio.sleep(0.5)

    async def settled(self, within: float = 600) -> float:
        started = time.monotonic()
        while await self.now() > 0:
            if time.monotonic() - started > within:
                break
            await asyncio.sleep(0.25)
        return time.monotonic() - started


def medians(results: dict[str, Any]) -> dict[str, float | str | None]:
    """Each read's median, or the error it met (a read past the query timeout, say)."""
    return {name: result["error"] or result["median_ms"] for name, result in results.items()}


async def measure(args: argparse.Namespace, url: str, database: Any) -> dict[str, Any]:
    documents = list(History(args.size, args.seed).documents())
    first, rest = documents[::10], [d for n, d in enumerate(documents) if n % 10]
    lag = Lag(database)
    watching = asyncio.create_task(lag.watch())
    report: dict[str, Any] = {"size": args.size, "first": len(first), "clients": args.clients}
    async with httpx.AsyncClient(base_url=url, timeout=300) as http:
        report["first_load_seconds"] = await load(http, first, args.clients)
        report["lag_after_first"] = await lag.now()
        after_first = medians(await time_reads(url, args.runs))
        started = time.monotonic()
        report["load_seconds"] = await load(http, rest, args.clients)
        report["events_per_second"] = round(len(rest) / report["load_seconds"], 1)
        report["lag_at_end"] = await lag.now()
        report["lag_max_during"] = max(
            (behind for at, behind in lag.samples if at >= started), default=0
        )
        after_all = medians(await time_reads(url, args.runs))
        report["caught_up_seconds_after_reads"] = round(await lag.settled(), 1)
        caught_up = medians(await time_reads(url, args.runs))
    watching.cancel()
    report["reads_ms"] = {
        name: {
            "after_first": after_first[name],
            "after_all": after_all[name],
            "growth": _growth(after_first[name], after_all[name]),
            "caught_up": caught_up[name],
        }
        for name in after_first
    }
    return report


def _growth(small: float | str | None, large: float | str | None) -> float | None:
    if isinstance(small, float) and isinstance(large, float) and small:
        return round(large / small, 1)
    return None


def table(report: dict[str, Any]) -> str:
    first, size = report["first"], report["size"]
    lines = [
        f"| read (median ms) | after {first:,} | after {size:,} | growth | caught up |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in report["reads_ms"].items():
        cells = [row["after_first"], row["after_all"], row["growth"], row["caught_up"]]
        shown = [
            "-" if cell is None else cell if isinstance(cell, str) else f"{cell:.1f}"
            for cell in cells
        ]
        lines.append(f"| {name} | " + " | ".join(shown) + " |")
    lines.append("")
    lines.append(
        f"Load of {size - first:,} at {report['events_per_second']} events/s; the models' lag "
        f"at its end {report['lag_at_end']:,} events (largest during it "
        f"{report['lag_max_during']:,}); caught up {report['caught_up_seconds_after_reads']} s "
        "after the reads that followed."
    )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with fresh_service() as service:
        mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(service.mongodb_uri)
        try:
            return await measure(args, service.url, mongo[service.database])
        finally:
            await mongo.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
