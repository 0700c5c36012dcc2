"""uvicorn's websocket protocol, made lighter in app/upstream/uvicorn.py.

Its lighter parts keep the meaning of asyncio's: the receive queue hands every message to the
app once, in order, to whichever reader waits, and loses none when a waiting reader is
cancelled; the writable flag holds sends back while it is clear. And uvicorn still has the
shape they are fitted to (app/upstream/uvicorn.py's docstring says why each part): each guard
fails naming what uvicorn changed.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import textwrap
from typing import Any

from uvicorn import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.datastructures import Headers
from websockets.protocol import Protocol

from app.upstream.uvicorn import (
    FIRST_MESSAGES_LIMIT,
    IdleLeanProtocol,
    ReceiveEvent,
    _Flag,
    _ReceiveQueue,
)
from tests.utils.upstream import Reliance, expect_parameters

PROTOCOL = Reliance(
    "uvicorn",
    "app/upstream/uvicorn.py's IdleLeanProtocol subclasses WebSocketsSansIOProtocol and "
    "replaces or drops its parts (~5 KiB of each idle socket)",
)


def text(body: str) -> ReceiveEvent:
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


# uvicorn's shape.


async def _asgi_app(scope: Any, receive: Any, send: Any) -> None: ...


def _config(ws: Any) -> Config:
    config = Config(_asgi_app, ws=ws, log_config=None)
    config.load()
    return config


def test_uvicorn_still_serves_websockets_with_the_protocol_class_it_is_given() -> None:
    assert _config(IdleLeanProtocol).ws_protocol_class is IdleLeanProtocol, PROTOCOL.broken(
        "no longer takes a protocol class for `ws` (app/cli.py passes IdleLeanProtocol)"
    )
    assert issubclass(
        _config("websockets-sansio").ws_protocol_class or object, WebSocketsSansIOProtocol
    )


async def test_the_protocol_still_makes_the_queue_and_event_ours_replace() -> None:
    expect_parameters(
        WebSocketsSansIOProtocol,
        "__init__",
        ["self", "config", "server_state", "app_state", "_loop"],
        PROTOCOL,
    )
    loop = asyncio.get_running_loop()
    config = _config(IdleLeanProtocol)
    theirs = WebSocketsSansIOProtocol(config, ServerState(), {}, _loop=loop)
    assert isinstance(theirs.queue, asyncio.Queue), PROTOCOL.broken(
        "no longer keeps received events in WebSocketsSansIOProtocol.queue, an asyncio.Queue"
    )
    assert isinstance(theirs.writable, asyncio.Event), PROTOCOL.broken(
        "no longer keeps WebSocketsSansIOProtocol.writable, an asyncio.Event"
    )
    ours = IdleLeanProtocol(config, ServerState(), {}, _loop=loop)
    assert isinstance(ours.queue, _ReceiveQueue)
    assert isinstance(ours.writable, _Flag)


def _protocol_methods() -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    source = textwrap.dedent(inspect.getsource(WebSocketsSansIOProtocol))
    body = ast.parse(source).body[0]
    assert isinstance(body, ast.ClassDef)
    return {
        item.name: item
        for item in body.body
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _uses_of(attribute: str) -> list[tuple[str, ast.AST, ast.Attribute]]:
    """(method, parent node, node) for every `self.<attribute>` in the protocol's methods."""
    found = []
    for name, method in _protocol_methods().items():
        for parent in ast.walk(method):
            for child in ast.iter_child_nodes(parent):
                if (
                    isinstance(child, ast.Attribute)
                    and child.attr == attribute
                    and isinstance(child.value, ast.Name)
                    and child.value.id == "self"
                ):
                    found.append((name, parent, child))
    return found


def _called_on(attribute: str) -> set[str]:
    """What the protocol does with `self.<attribute>`: the methods it calls on it, or `=`."""
    done = set()
    for _, parent, node in _uses_of(attribute):
        if isinstance(parent, ast.Attribute) and parent.value is node:
            done.add(parent.attr)
        elif isinstance(parent, ast.AnnAssign | ast.Assign) and node is not parent.value:
            done.add("=")
        else:
            done.add(f"<{ast.unparse(parent)}>")
    return done


def test_the_protocol_asks_of_its_queue_and_flag_only_what_ours_have() -> None:
    queue_use = _called_on("queue")
    assert queue_use <= {"=", "put_nowait", "get", "empty"}, PROTOCOL.broken(
        f"now uses WebSocketsSansIOProtocol.queue for {sorted(queue_use)}, beyond what "
        "_ReceiveQueue has (put_nowait, get, empty)"
    )
    flag_use = _called_on("writable")
    assert flag_use <= {"=", "set", "clear", "is_set", "wait"}, PROTOCOL.broken(
        f"now uses WebSocketsSansIOProtocol.writable for {sorted(flag_use)}, beyond what "
        "_Flag has (set, clear, is_set, wait)"
    )


def test_the_handshake_is_let_go_of_where_nothing_reads_it_any_more() -> None:
    expect_parameters(WebSocketsSansIOProtocol, "start_keepalive", ["self"], PROTOCOL)
    calls = [
        (name, node.lineno)
        for name, parent, node in _uses_of("start_keepalive")
        if isinstance(parent, ast.Call)
    ]
    assert [name for name, _ in calls] == ["send"], PROTOCOL.broken(
        f"calls start_keepalive from {calls}, where IdleLeanProtocol expects one call, in send, "
        "right after the handshake's response"
    )
    started = calls[0][1]
    for attribute in ("request", "response"):
        uses = _uses_of(attribute)
        set_in = {name for name, parent, _ in uses if isinstance(parent, ast.Assign)}
        assert set_in == {"handle_connect"}, PROTOCOL.broken(
            f"sets WebSocketsSansIOProtocol.{attribute} in {sorted(set_in)}, not handle_connect"
        )
        late = [
            (name, node.lineno)
            for name, _, node in uses
            if name not in ("handle_connect", "send") or (name == "send" and node.lineno > started)
        ]
        assert not late, PROTOCOL.broken(
            f"reads WebSocketsSansIOProtocol.{attribute} after start_keepalive ({late}), which "
            "IdleLeanProtocol deletes it in"
        )
    assert callable(getattr(Headers, "clear", None))


async def test_the_first_messages_limit_is_websockets_own_and_read_for_every_frame() -> None:
    loop = asyncio.get_running_loop()
    config = _config(IdleLeanProtocol)
    config.ws_max_size = 5000
    theirs = WebSocketsSansIOProtocol(config, ServerState(), {}, _loop=loop)
    assert getattr(theirs.conn, "max_message_size", None) == 5000, PROTOCOL.broken(
        "no longer makes its websockets protocol (conn) with max_size=ws_max_size, kept as "
        "conn.max_message_size, which IdleLeanProtocol lowers until the app lifts it"
    )
    # websockets' parser takes the limit again for each frame, from the attribute.
    assert isinstance(theirs.conn, Protocol)
    parse_source = inspect.getsource(Protocol.parse)
    assert "self.max_message_size" in parse_source, PROTOCOL.broken(
        "(websockets) no longer reads max_message_size in Protocol.parse, frame by frame"
    )
    expect_parameters(WebSocketsSansIOProtocol, "handle_connect", ["self", "event"], PROTOCOL)
    set_in = {name for name, parent, _ in _uses_of("scope") if isinstance(parent, ast.AnnAssign)}
    assert set_in == {"handle_connect"}, PROTOCOL.broken(
        f"makes the ASGI scope in {sorted(set_in)}, not handle_connect, where IdleLeanProtocol "
        "adds what lifts the limit"
    )
    ours = IdleLeanProtocol(config, ServerState(), {FIRST_MESSAGES_LIMIT: 1000}, _loop=loop)
    assert ours.conn.max_message_size == 1000
    ours._lift_message_limit()
    assert ours.conn.max_message_size == 5000


STOPPING = Reliance(
    "uvicorn",
    "app/upstream/uvicorn.py's on_stop_signal wraps the SIGINT/SIGTERM handlers uvicorn's "
    "Server installs before the lifespan starts, so requests under way are cut short in time",
)


def test_the_server_still_installs_its_stop_handlers_with_signal_signal_around_serving() -> None:
    from uvicorn.server import HANDLED_SIGNALS, Server

    from app.upstream.uvicorn import STOP_SIGNALS

    assert set(STOP_SIGNALS) <= set(HANDLED_SIGNALS), STOPPING.broken(
        "no longer handles SIGINT and SIGTERM"
    )
    capture = inspect.getsource(Server.capture_signals)
    assert "signal.signal(sig, self.handle_exit)" in capture, STOPPING.broken(
        "no longer installs Server.handle_exit with signal.signal"
    )
    serve = inspect.getsource(Server.serve)
    assert "with self.capture_signals():" in serve, STOPPING.broken(
        "no longer serves (lifespan included) inside capture_signals"
    )


async def test_a_stop_signal_reaches_the_callback_after_uvicorns_own_handler() -> None:
    import os
    import signal

    from app.upstream.uvicorn import on_stop_signal

    heard: list[str] = []
    interrupt = signal.getsignal(signal.SIGINT)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: heard.append("uvicorn"))
    try:
        on_stop_signal(lambda: heard.append("app"))
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):
            if len(heard) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, interrupt)

    assert heard == ["uvicorn", "app"]
