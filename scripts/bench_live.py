"""The bench's live figures: fan-out, distinct subscriptions, idle subscribers beside active ones.

Each figure's subscribers are sockets in the worker processes of `bench_load`, and each
figure records the CPU seconds the service (and its database) used while it was measured,
so a figure that moved because the client was busy shows as one whose CPU did not.

- fan-out: S subscribers of one subscription, E events ingested in one batch, vs the bare
  server (`bench_broadcast.py`) sending E prepared messages to S plain websockets.
- distinct: N subscriptions with N different `teamId` filters (monitors of different teams),
  events ingested one at a time at a steady rate, each for one team; ingest-to-delivery
  latency from the `sent` stamp in the event's data.
- idle + active: I subscribers whose filter no event matches, then A of one subscription
  that events at a steady rate match; resident memory per idle subscriber and the active
  ones' latency while the idle ones are connected.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import bench_http
import httpx
from bench_load import LoadClients, Received
from bench_proc import CpuMeter, resident_kib

INGEST = """mutation($input: LifecycleEventInput!) {
  ingestLifecycleEvent(input: $input) { created }
}"""
BATCH = """mutation($lifecycle: [LifecycleEventInput!]) {
  ingestEvents(lifecycle: $lifecycle) { count }
}"""
SUBSCRIBE = """subscription($filter: EventFilter) {
  events(filter: $filter) { ... on Event { id type timestamp raw } }
}"""
BATCH_LIMIT = 1000  # the service's default EVENTSTORE_MAX_BATCH_SIZE


@dataclass
class Live:
    """What the live figures drive: the service over HTTP, the workers, the meters."""

    http: httpx.AsyncClient
    clients: LoadClients
    meter: CpuMeter  # "service", "bare" and, when embedded, "db"
    service_ws: str
    bare_url: str
    service_pid: int
    # Waits until the read models have absorbed every stored event; returns the seconds.
    read_models_settled: Callable[[], Awaitable[float]]


def subscription(filter_: dict[str, Any]) -> dict[str, Any]:
    variables = {"filter": filter_}
    return {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE, "variables": variables}}


def event(n: int, **named: str) -> dict[str, Any]:
    """A deployment event stamped with the time it is built, just before it is sent."""
    return {
        "eventName": "deployment",
        "eventAction": "succeeded",
        "repo": "bench",
        "branch": "main",
        "commit": uuid.uuid4().hex,
        "teamId": "team-bench",
        "data": {"n": n, "sent": time.time()},
    } | named


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def delivery(received: Received, started: float, expected: int) -> dict[str, Any]:
    """Rate, latency percentiles and losses of what the workers received."""
    count = len(received.latencies_ms)
    span = received.last - started
    return {
        "messages": count,
        "missing": expected - count,
        "messages_per_s": round(count / span, 1) if span > 0 else 0.0,
        "p50_ms": round(percentile(received.latencies_ms, 0.5), 1),
        "p99_ms": round(percentile(received.latencies_ms, 0.99), 1),
        "message_bytes": round(received.bytes / count) if count else 0,
    }


def with_cpu(figure: dict[str, Any], used: dict[str, float], server: str) -> dict[str, Any]:
    """The figure plus its server's CPU seconds and microseconds per message delivered."""
    per = used[server] / figure["messages"] * 1e6 if figure["messages"] else 0.0
    cpu = {"cpu_s": used[server], "cpu_us_per_message": round(per, 1)}
    # The load's own CPU (workers and the ingesting parent): near a core each means the
    # client, not the server, may have set the pace.
    load = sum(s for name, s in used.items() if name.startswith("client-") or name == "bench")
    cpu["client_cpu_s"] = round(load, 2)
    return figure | cpu | ({"db_cpu_s": used["db"]} if "db" in used else {})


async def ingest_batches(http: httpx.AsyncClient, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), BATCH_LIMIT):
        chunk = items[start : start + BATCH_LIMIT]
        answer = await http.post(
            "/graphql", json={"query": BATCH, "variables": {"lifecycle": chunk}}
        )
        if "errors" in answer.json():
            raise RuntimeError(answer.text)


async def settle(clients: LoadClients) -> None:
    """Waits until no more messages arrive, then forgets what did (warm-up leftovers)."""
    received, _ = await clients.tally()
    while True:
        await asyncio.sleep(0.5)
        now, _ = await clients.tally()
        if now == received:
            break
        received = now
    await clients.collect()


async def warm_up(live: Live, make: Callable[[], list[dict[str, Any]]], sockets: int) -> None:
    """Ingests `make()` until every one of `sockets` subscribers has received something.

    A subscription is registered some time after its `subscribe` message, with no answer
    to wait for; an event that reached every socket proves them all live."""
    for _ in range(30):
        await ingest_batches(live.http, make())
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            _, touched = await live.clients.tally()
            if touched >= sockets:
                await settle(live.clients)
                return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"only {touched} of {sockets} subscribers received the warm-up")


FANOUT_ROUNDS = 3


async def fanout_round(
    live: Live, start: Callable[[], Awaitable[Any]], expected: int, server: str
) -> dict[str, Any]:
    """One round: `start` makes `server` send; the figure once `expected` messages arrived."""
    before = live.meter.read()
    started = time.time()
    await start()
    await live.clients.wait_for(expected, within=300)
    used = live.meter.since(before)
    figure = delivery(await live.clients.collect(), started, expected)
    return with_cpu(figure, used, server)


async def fanout(live: Live, subscribers: int, events: int) -> dict[str, Any]:
    """Fan-out of `events` to `subscribers` of one subscription, beside the bare server.

    Both servers' subscribers stay connected while rounds alternate between them, and the
    figure is the round pair with the median ratio (all ratios beside it): one pair of runs
    under a second long moved by a quarter with whatever else the machine did meanwhile."""
    await live.clients.open(
        live.service_ws, [subscription({"repo": {"eq": "fanout"}})] * subscribers
    )
    await warm_up(live, lambda: [event(0, repo="fanout")], subscribers)
    await live.clients.open(live.bare_url.replace("http://", "ws://") + "/ws", [None] * subscribers)
    pairs = []
    async with httpx.AsyncClient(base_url=live.bare_url, timeout=600) as bare:
        for _ in range(600):  # the server counts sockets as it accepts them
            if (await bare.get("/connected")).json()["sockets"] >= subscribers:
                break
            await asyncio.sleep(0.05)
        for _ in range(FANOUT_ROUNDS):
            ours = await fanout_round(
                live,
                lambda: ingest_batches(live.http, [event(n, repo="fanout") for n in range(events)]),
                subscribers * events,
                "service",
            )
            # The store's messages' size, measured: both servers write, the clients read, as much.
            params = {"count": events, "size": ours["message_bytes"]}
            bare_figure = await fanout_round(
                live,
                functools.partial(bare.post, "/broadcast", params=params),
                subscribers * events,
                "bare",
            )
            pairs.append((ours, bare_figure))
    await live.clients.close()
    ratios = [
        o["messages_per_s"] / b["messages_per_s"] if b["messages_per_s"] else 0.0 for o, b in pairs
    ]
    median = sorted(range(len(pairs)), key=lambda n: ratios[n])[len(pairs) // 2]
    ours, bare_figure = pairs[median]
    return {
        "subscribers": subscribers,
        "events": events,
        "ours": ours,
        "bare": bare_figure,
        "ratio": round(ratios[median], 3),
        "round_ratios": [round(r, 3) for r in ratios],
    }


async def paced_ingest(
    http: httpx.AsyncClient, rate: float, seconds: float, make: Callable[[int], dict[str, Any]]
) -> dict[str, Any]:
    """Single ingests at a steady `rate` for `seconds`, each sent on time whatever the last
    one's answer is doing (as independent producers would); returns the answers' latency."""
    answered: list[float] = []
    pool = bench_http.Pool(str(http.base_url.join("/graphql")))

    async def one(n: int) -> None:
        sent = time.perf_counter()
        await pool.post(json.dumps({"query": INGEST, "variables": {"input": make(n)}}).encode())
        answered.append((time.perf_counter() - sent) * 1000)

    count, start, tasks = int(rate * seconds), time.monotonic(), []
    for n in range(count):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    sending = time.monotonic() - start
    await asyncio.gather(*tasks)
    await pool.close()
    return {
        "events": count,
        "rate_sent": round(count / sending, 1) if sending > 0 else 0.0,
        "ingest_p50_ms": round(percentile(answered, 0.5), 1),
        "ingest_p99_ms": round(percentile(answered, 0.99), 1),
    }


async def distinct(live: Live, subscriptions: int, rate: float, seconds: float) -> dict[str, Any]:
    """`subscriptions` monitors of different teams; events at `rate`, each for one team."""
    teams = [f"team-{n:05d}" for n in range(subscriptions)]
    opened = time.monotonic()
    await live.clients.open(live.service_ws, [subscription({"teamId": {"eq": t}}) for t in teams])
    connect_s = time.monotonic() - opened
    await warm_up(live, lambda: [event(0, teamId=t) for t in teams], subscriptions)
    # The warm-up is a burst of one event per team: absorbing it is not the steady rate's work.
    warm_up_absorbed_s = await live.read_models_settled()
    before = live.meter.read()
    started = time.time()
    # A stride prime to the count spreads consecutive events over the teams.
    sending = await paced_ingest(
        live.http, rate, seconds, lambda n: event(n, teamId=teams[(n * 7919) % subscriptions])
    )
    await live.clients.wait_for(sending["events"], within=60)
    used = live.meter.since(before)
    figure = with_cpu(
        delivery(await live.clients.collect(), started, sending["events"]), used, "service"
    )
    await live.clients.close()
    return (
        {
            "subscriptions": subscriptions,
            "rate": rate,
            "seconds": seconds,
            "connect_s": round(connect_s, 1),
            "warm_up_absorbed_s": warm_up_absorbed_s,
            "target_p99_ms": 100,
        }
        | sending
        | figure
    )


async def idle_active(
    live: Live, idle: int, active: int, rate: float, seconds: float
) -> dict[str, Any]:
    """Resident memory per idle subscriber, and the active ones' latency beside them."""
    await asyncio.sleep(1)
    rss_before = resident_kib(live.service_pid)
    opened = time.monotonic()
    await live.clients.open(
        live.service_ws, [subscription({"repo": {"eq": f"idle-{n}"}}) for n in range(idle)]
    )
    connect_s = time.monotonic() - opened
    await asyncio.sleep(3)  # the last subscriptions register after their sockets open
    rss_idle = resident_kib(live.service_pid)
    await live.clients.open(live.service_ws, [subscription({"repo": {"eq": "active"}})] * active)
    await warm_up(live, lambda: [event(0, repo="active")], active)
    before = live.meter.read()
    started = time.time()
    sending = await paced_ingest(live.http, rate, seconds, lambda n: event(n, repo="active"))
    expected = sending["events"] * active
    await live.clients.wait_for(expected, within=60)
    used = live.meter.since(before)
    figure = with_cpu(delivery(await live.clients.collect(), started, expected), used, "service")
    await live.clients.close()
    return (
        {
            "idle": idle,
            "active": active,
            "rate": rate,
            "seconds": seconds,
            "connect_s": round(connect_s, 1),
            "rss_before_kib": rss_before,
            "rss_idle_kib": rss_idle,
            "kib_per_idle": round((rss_idle - rss_before) / idle, 1) if idle else 0.0,
            "target_kib_per_idle": 30,
            "target_p99_ms": 100,
        }
        | sending
        | figure
    )
