"""Subscribers of the same subscription share one execution per event."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

from tests.graphql.queries import INGEST_LIFECYCLE
from tests.utils.live import SUBSCRIBE, wait_until
from tests.utils.service import RunningService
from tests.utils.tokens import TEAM_A, TEAM_B
from tests.utils.websocket import LEGACY_WS, TRANSPORT_WS, graphql_websocket


async def test_alike_subscriptions_share_one_feed_and_all_receive(service: RunningService) -> None:
    fanout = service.app.state.fanout
    async with AsyncExitStack() as stack:
        alike = [
            await stack.enter_async_context(
                graphql_websocket(service.ws_url, TRANSPORT_WS if n % 2 else LEGACY_WS)
            )
            for n in range(10)
        ]
        other = await stack.enter_async_context(graphql_websocket(service.ws_url))
        for client in alike:
            await client.subscribe(SUBSCRIBE, filter={"repo": {"eq": "api"}})
        await other.subscribe(SUBSCRIBE, filter={"repo": {"eq": "web"}})
        await wait_until(lambda: service.subscribers == 11)

        # Ten subscribers, two distinct subscriptions: two executions per event, not eleven.
        assert (fanout.group_count, service.services.dispatcher.feed_count) == (2, 2)
        await service.graphql(
            INGEST_LIFECYCLE, input={"eventName": "x", "eventAction": "y", "repo": "api"}
        )
        await service.graphql(
            INGEST_LIFECYCLE, input={"eventName": "x", "eventAction": "y", "repo": "web"}
        )
        received = await asyncio.gather(*(client.next_event() for client in [*alike, other]))

    assert [r["data"]["events"]["raw"]["repo"] for r in received] == ["api"] * 10 + ["web"]
    assert len({r["data"]["events"]["id"] for r in received[:10]}) == 1
    await wait_until(lambda: fanout.group_count == 0)


async def test_teams_never_share_a_group(guarded: RunningService) -> None:
    fanout = guarded.app.state.fanout
    async with (
        graphql_websocket(guarded.ws_url, payload={"authToken": TEAM_A}) as team_a,
        graphql_websocket(guarded.ws_url, payload={"authToken": TEAM_B}) as team_b,
    ):
        await team_a.subscribe(SUBSCRIBE)
        await team_b.subscribe(SUBSCRIBE)
        await wait_until(lambda: guarded.subscribers == 2)

        assert fanout.group_count == 2
        await guarded.graphql(
            INGEST_LIFECYCLE, token=TEAM_B, input={"eventName": "x", "eventAction": "y"}
        )
        await guarded.graphql(
            INGEST_LIFECYCLE, token=TEAM_A, input={"eventName": "x", "eventAction": "y"}
        )
        first_a = (await team_a.next_event())["data"]["events"]

    assert first_a["teamId"] == "team-a"


async def test_a_subscriber_whose_connection_vanishes_leaves_and_the_rest_keep_receiving(
    service: RunningService,
) -> None:
    fanout = service.app.state.fanout
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(graphql_websocket(service.ws_url)) for _ in range(3)
        ]
        for client in clients:
            await client.subscribe(SUBSCRIBE, filter={"repo": {"eq": "api"}})
        await wait_until(lambda: service.subscribers == 3)
        gone, *staying = clients
        gone.connection.transport.abort()  # no close frame: the peer just disappears

        for n in range(20):  # while the server notices the vanished peer, or after
            await service.graphql(
                INGEST_LIFECYCLE, input={"eventName": f"e{n}", "eventAction": "y", "repo": "api"}
            )
        received = [
            [(await client.next_event())["data"]["events"]["type"] for _ in range(20)]
            for client in staying
        ]
        await wait_until(lambda: service.subscribers == 2)
        assert fanout.member_count == 2

    assert received == [[f"e{n}" for n in range(20)]] * 2
