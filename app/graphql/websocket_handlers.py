"""The two websocket protocols the endpoint speaks, as Strawberry's handlers with this
service's rules: graphql-transport-ws (graphql-ws, Apollo, urql) with read receipts and
results sent pre-encoded, and the legacy graphql-ws of subscriptions-transport-ws with a
deadline for `connection_init`. Both close an unauthenticated socket with 4401 and lift the
message size limit once a caller is known."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.access.tokens import Unauthenticated
from app.graphql.context import GraphQLContext
from app.graphql.read_receipts import ReadReceipts
from app.upstream.starlette import DeliverySocket
from app.upstream.strawberry import (
    BaseGraphQLWSHandler,
    ConnectionInitMessage,
    EncodedResultsHandler,
    LegacyConnectionInitMessage,
    Message,
    NextCounter,
    OperationMessage,
    PongMessage,
)
from app.upstream.uvicorn import lift_message_limit

__all__ = ["LegacyWSHandler", "RefusedMessage", "TransportWSHandler"]

UNAUTHORIZED = 4401


class TransportWSHandler(EncodedResultsHandler[GraphQLContext, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A ping every quarter of the buffer: a client reading along confirms results long
        # before it could count as behind. (Set here, not around `handle`: a wrapping
        # coroutine would stay suspended for the connection's life, ~0.7 KiB each.)
        buffer = self.context.services.settings.subscriber_buffer
        self.context.receipts = ReadReceipts(ping_every=buffer // 4)

    async def send_message(self, message: Message) -> None:
        receipts = self.context.receipts
        ping = message["type"] == "next" and receipts is not None and receipts.sent()
        await super().send_message(message)
        if ping and receipts is not None:
            receipts.pinged()
            await super().send_message({"type": "ping"})

    def encoded_result_send(self) -> Callable[[str], Awaitable[None]] | None:
        # The view's websockets are DeliverySockets; one made some other way sends checked.
        websocket = self.context.websocket
        if isinstance(websocket, DeliverySocket):
            return websocket.send_result
        return None if websocket is None else websocket.send_text

    def next_counter(self) -> NextCounter | None:
        # Counted for read receipts as `send_message` counts a `next`.
        return self.context.receipts

    async def handle_pong(self, message: PongMessage) -> None:
        if self.context.receipts is not None:
            self.context.receipts.ponged()

    async def handle_message(self, message: Message) -> None:
        if isinstance(message, RefusedMessage):
            await self.handle_invalid_message(f"WebSocket message refused: {message.reason}")
            return
        # Strawberry reads every message as an object; `[]` would end the connection with
        # an exception instead of the protocol's close code.
        if not isinstance(message, dict):
            await self.handle_invalid_message("WebSocket message must be a JSON object")
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except Unauthenticated as error:
            await self.websocket.close(code=UNAUTHORIZED, reason=str(error))
            return
        if self.connection_acknowledged:
            _peer_known(self.context)
            # Strawberry has cancelled the init deadline; the ended task, kept for the
            # socket's life, holds its cancellation and the coroutine it ended (~1.7 KiB).
            self.connection_init_timeout_task = None


class LegacyWSHandler(BaseGraphQLWSHandler[GraphQLContext, None]):
    async def handle(self) -> None:
        # The legacy protocol sets no time for `connection_init`; without one, a socket that
        # never sends it would be held (and cost memory) for as long as its client likes.
        self._deadline: asyncio.Task[None] | None = asyncio.create_task(
            self._close_unless_initialised()
        )
        try:
            await super().handle()
        finally:
            if self._deadline is not None:
                self._deadline.cancel()

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            # The same code graphql-transport-ws closes with.
            with contextlib.suppress(Exception):  # the client may be gone already
                await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_message(self, message: OperationMessage) -> None:
        # The legacy protocol ignores what it cannot read.
        if isinstance(message, dict) and isinstance(message.get("type"), str):
            await super().handle_message(message)

    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except Unauthenticated as error:
            await self.send_message(
                {"type": "connection_error", "payload": {"message": str(error)}}
            )
            await self.websocket.close(code=UNAUTHORIZED, reason=str(error))
            return
        if self.connection_acknowledged:
            _peer_known(self.context)
        if self.connection_acknowledged and self._deadline is not None:
            # The deadline has nothing left to watch; let go of the ended task, which holds
            # its cancellation and its coroutine for as long as it is kept.
            self._deadline.cancel()
            self._deadline = None


def _peer_known(context: GraphQLContext) -> None:
    """The socket's `connection_init` is accepted: its messages may now be as large as a
    request (until then, `EVENTSTORE_MAX_INIT_BYTES`)."""
    if context.websocket is not None:
        lift_message_limit(context.websocket.scope)


@dataclass(frozen=True)
class RefusedMessage:
    """A websocket message that is JSON, or nearly, but refused (`app/web/json_input.py`)."""

    reason: str
