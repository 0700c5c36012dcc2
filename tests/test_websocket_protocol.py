"""The websocket protocol's lighter parts keep the meaning of asyncio's: the receive queue hands
every message to the app once, in order, to whichever reader waits, and loses none when a
waiting reader is cancelled; the writable flag holds sends back while it is clear."""

from __future__ import annotations

import asyncio

from uvicorn._types import ASGIReceiveEvent

from app.websocket_protocol import _Flag, _ReceiveQueue


def text(body: str) -> ASGIReceiveEvent:
    return {"type": "websocket.receive", "text": body}


async def test_messages_come_out_in_the_order_they_went_in() -> None:
    queue = _ReceiveQueue()
    queue.put_nowait({"type": "websocket.connect"})
    queue.put_nowait(text("a"))
    assert not queue.empty()
    assert (await queue.get())["type"] == "websocket.connect"
    assert await queue.get() == text("a")
    assert queue.empty()


async def test_a_waiting_reader_wakes_for_a_message() -> None:
    queue = _ReceiveQueue()
    reader = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not reader.done()
    queue.put_nowait(text("a"))
    assert await asyncio.wait_for(reader, 1) == text("a")


async def test_two_waiting_readers_get_one_message_each() -> None:
    queue = _ReceiveQueue()
    readers = [asyncio.create_task(queue.get()) for _ in range(2)]
    await asyncio.sleep(0)
    queue.put_nowait(text("a"))
    queue.put_nowait(text("b"))
    got = await asyncio.wait_for(asyncio.gather(*readers), 1)
    assert sorted(got, key=str) == [text("a"), text("b")]


async def test_a_cancelled_reader_leaves_the_message_and_the_wait_to_the_others() -> None:
    queue = _ReceiveQueue()
    cancelled, other = asyncio.create_task(queue.get()), asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    queue.put_nowait(text("a"))
    assert await asyncio.wait_for(other, 1) == text("a")
    assert cancelled.cancelled()
    queue.put_nowait(text("b"))
    assert await queue.get() == text("b")


async def test_sends_wait_while_the_flag_is_clear_and_go_when_it_is_set() -> None:
    writable = _Flag()
    assert writable.is_set()
    assert await writable.wait()
    writable.clear()
    sends = [asyncio.create_task(writable.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(send.done() for send in sends)
    sends[0].cancel()
    writable.set()
    assert await asyncio.wait_for(sends[1], 1)
    assert sends[0].cancelled()
