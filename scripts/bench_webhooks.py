"""Outbound webhooks under load: W webhooks with filters, events arriving at R a second, one
receiver on loopback; beside a plain HTTP client posting the same bodies to the same receiver
at the same pace, in the same run.

- delivered events per second and ingest-to-receiver latency (p50, p99): each event is sent
  through `ingestLifecycleEvent` (open loop: at its time, whatever the ones before it are
  doing) and stamped with its number; the receiver notes when its first delivery arrives.
  Event n is for repository `r{n mod W}`, and webhook k's filter takes repository `r{k}`: each
  event goes to one webhook, every webhook gets its share.
- the baseline: the same bodies POSTed by one httpx client at the same pace, the time from
  its send to the receiver.
- memory: the service's resident memory with the webhooks made and idle, less before them,
  per webhook.

    .venv/bin/python scripts/bench_webhooks.py [--webhooks 100] [--rate 100] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from bench_proc import resident_kib
from bench_service import fresh_service

CREATE = """mutation($input: WebhookInput!) { createWebhook(input: $input) { webhook { id } } }"""
INGEST = (
    """mutation($input: LifecycleEventInput!) { ingestLifecycleEvent(input: $input) { created } }"""
)
WEBHOOKS = "{ webhooks { id status pending } }"


class Receiver:
    """Notes the first arrival of each numbered event."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.requests = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        now = time.monotonic()
        self.requests += 1
        number = json.loads(body)["data"]["data"]["n"]
        self.arrived.setdefault(number, now)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def paced(count: int, rate: float, send: Any) -> dict[int, float]:
    """Call `send(n)` for n in range(count) at `rate` a second, each at its own time."""
    sent: dict[int, float] = {}
    started = time.monotonic()
    tasks = []
    for n in range(count):
        delay = started + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[n] = time.monotonic()
        tasks.append(asyncio.create_task(send(n)))
    await asyncio.gather(*tasks)
    return sent


def figure(sent: dict[int, float], arrived: dict[int, float], count: int) -> dict[str, Any]:
    latencies = sorted((arrived[n] - sent[n]) * 1000 for n in sent if n in arrived)
    span = max(arrived.values()) - min(sent.values()) if arrived else 0.0
    return {
        "delivered": len(latencies),
        "of": count,
        "per_second": round(len(latencies) / span, 1) if span else 0.0,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 1) if latencies else None,
    }


async def until_delivered(receiver: Receiver, count: int, within: float) -> None:
    deadline = time.monotonic() + within
    while len(receiver.arrived) < count:
        if time.monotonic() > deadline:
            return  # the figure says how many arrived
        await asyncio.sleep(0.1)


def body_of(n: int, webhooks: int) -> dict[str, Any]:
    return {
        "eventName": "deployment",
        "eventAction": "succeeded",
        "repo": f"r{n % webhooks}",
        "data": {"n": n},
    }


async def measure(args: argparse.Namespace, http: httpx.AsyncClient, pid: int) -> dict[str, Any]:
    count = int(args.rate * args.seconds)
    receiver = Receiver()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    server = uvicorn.Server(uvicorn.Config(receiver, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        before = resident_kib(pid)
        for k in range(args.webhooks):
            answer = await http.post(
                "/graphql",
                json={
                    "query": CREATE,
                    "variables": {"input": {"url": url, "filter": {"repo": {"eq": f"r{k}"}}}},
                },
            )
            assert "errors" not in answer.json(), answer.text
        await asyncio.sleep(5)  # every webhook's lease taken and its worker waiting
        per_webhook = (resident_kib(pid) - before) / args.webhooks

        async def ingest(n: int) -> None:
            variables = {"input": body_of(n, args.webhooks)}
            answer = await http.post("/graphql", json={"query": INGEST, "variables": variables})
            assert "errors" not in answer.json(), answer.text

        sent = await paced(count, args.rate, ingest)
        await until_delivered(receiver, count, within=60)
        ours = figure(sent, receiver.arrived, count)

        receiver.arrived.clear()
        prepared = {n: json.dumps({"data": {"data": {"n": n}}}).encode() for n in range(count)}
        async with httpx.AsyncClient(timeout=30) as plain:

            async def post(n: int) -> None:
                await plain.post(url, content=prepared[n])

            sent = await paced(count, args.rate, post)
        await until_delivered(receiver, count, within=60)
        baseline = figure(sent, receiver.arrived, count)
        status = (await http.post("/graphql", json={"query": WEBHOOKS})).json()["data"]
    finally:
        server.should_exit = True
        await serving
        listener.close()
    return {
        "webhooks": args.webhooks,
        "rate": args.rate,
        "seconds": args.seconds,
        "service": ours,
        "plain_client": baseline,
        "rate_ratio": round(ours["per_second"] / baseline["per_second"], 2)
        if baseline["per_second"]
        else None,
        "memory_kib_per_webhook": round(per_webhook, 1),
        "webhooks_failing": sum(1 for w in status["webhooks"] if w["status"] != "ACTIVE"),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with (
        fresh_service({"EVENTSTORE_WEBHOOK_ALLOW_PRIVATE": "true"}) as service,
        httpx.AsyncClient(base_url=service.url, timeout=60) as http,
    ):
        return await measure(args, http, service.pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--webhooks", type=int, default=100)
    parser.add_argument("--rate", type=float, default=100.0, help="events a second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
