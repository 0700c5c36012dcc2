"""Multiplexed fan-out: one execution per distinct subscription, shared by its subscribers.

A GraphQL server runs a subscription's selection once per subscriber per event. Monitors
mostly watch the same things, so subscriptions with the same document, variables and caller
scope form a group: the selection runs once per event for the group, its result is encoded
once (`SharedEncoding`), and each subscriber gets it through its own bounded queue, so one
slow socket is closed without holding back the rest. Subscriptions that replay from a cursor
(`after`) start from their own place and are never grouped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, VariableNode
from strawberry.types import ExecutionResult

from app.graphql.context import GraphQLContext
from app.live.feed import Mailbox, SubscriberTooSlow
from app.upstream.strawberry import EncodedResult

__all__ = ["FanOut", "SharedEncoding", "SharedResult"]

Result = Any
Upstream = Callable[[], Awaitable[AsyncIterator[Result]]]


class SharedResult(EncodedResult):
    """A group's result that carries only data, its `{"data": …}` payload encoded once.

    Each socket's handler wraps the text in its own `next` message (`EncodedResultsHandler`
    in app/upstream/strawberry.py): no message object is built, and nothing is encoded, per
    socket.
    """


def _shared(result: Result) -> Result:
    """`result` with its payload encoded, when it carries only data; else `result` itself."""
    if (
        type(result) is not ExecutionResult  # a PreExecutionError, or no result at all
        or result.data is None
        or result.errors
        or result.extensions
    ):
        return result
    return SharedResult(result.data, None, None, json.dumps({"data": result.data}))


class _Group:
    def __init__(self, upstream: Upstream, forget: Callable[[_Group], None]) -> None:
        self.members: set[_Member] = set()
        self._forget = forget
        self._task = asyncio.create_task(self._pump(upstream), name="subscription-group")

    async def _pump(self, upstream: Upstream) -> None:
        source = await upstream()
        try:
            async for each in source:
                result = _shared(each)
                for member in list(self.members):
                    member.put(result)
        finally:
            # New subscribers start a new group from here on; these ones end.
            self._forget(self)
            with contextlib.suppress(Exception):
                await source.aclose()  # type: ignore[attr-defined]
            for member in list(self.members):
                member.close(StopAsyncIteration())  # ends their iteration, as a source does

    def leave(self, member: _Member) -> None:
        self.members.discard(member)
        if not self.members:
            self._forget(self)
            self._task.cancel()


class _Member(Mailbox[Result]):
    """One subscriber's stream of its group's results, ended by `aclose` as a generator is.

    An iterator rather than an async generator around the mailbox: each result then passes
    one coroutine on its way to the socket instead of two.
    """

    __slots__ = ("_group",)

    def __init__(self, group: _Group, capacity: int, unread: Callable[[], int]) -> None:
        super().__init__(capacity, unread)
        self._group = group

    async def __anext__(self) -> Result:
        while not self._items:
            await self._arrival()
        try:
            return self._take()
        except SubscriberTooSlow as error:
            # The protocol handler sends results, not exceptions: say it as one, then end.
            self._end_now(StopAsyncIteration())
            return ExecutionResult(
                data=None, errors=[GraphQLError(str(error), extensions={"code": error.code})]
            )
        except StopAsyncIteration:
            # Its end leaves the group, as a generator's `finally` would, for callers that
            # do not close what they have read to the end (the legacy protocol's handler).
            self._group.leave(self)
            raise

    async def aclose(self) -> None:
        self._group.leave(self)


class FanOut:
    def __init__(self, capacity: int) -> None:
        self._groups: dict[Hashable, _Group] = {}
        self._capacity = capacity

    @property
    def group_count(self) -> int:
        return len(self._groups)

    @property
    def member_count(self) -> int:
        return sum(len(group.members) for group in self._groups.values())

    def key(
        self,
        operation: OperationDefinitionNode | None,
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Any,
    ) -> Hashable | None:
        """The group a websocket subscription belongs to, or None when it runs on its own.
        `operation` is the one `query` runs, None when it does not parse."""
        if query is None or not isinstance(context, GraphQLContext) or context.websocket is None:
            return None
        caller = context.caller_or_none
        if caller is None or not _is_live_subscription(operation, variables):
            return None
        return (query, operation_name, _canonical(variables), caller.team_id, caller.admin)

    def join(self, key: Hashable, upstream: Upstream, context: GraphQLContext) -> _Member:
        """A place for this subscription in its group, the group started if it is the first."""
        group = self._groups.get(key)
        if group is None:
            group = _Group(upstream, lambda done: self._forget(key, done))
            self._groups[key] = group
        member = _Member(group, self._capacity, context.unread)
        group.members.add(member)
        return member

    def _forget(self, key: Hashable, group: _Group) -> None:
        if self._groups.get(key) is group:
            del self._groups[key]


class SharedEncoding:
    """Encodes a result shared by many subscribers once; only the operation id differs."""

    def __init__(self, size: int = 256) -> None:
        self._encoded: OrderedDict[int, tuple[object, str]] = OrderedDict()
        self._size = size

    def encode(self, message: Any) -> str | None:
        """The JSON text of a `next`/`data` message carrying only data, or None."""
        if not isinstance(message, dict) or message.get("type") not in ("next", "data"):
            return None
        payload = message.get("payload")
        if not isinstance(payload, dict) or set(payload) != {"data"} or payload["data"] is None:
            return None
        data = payload["data"]
        cached = self._encoded.get(id(data))
        if cached is None or cached[0] is not data:
            cached = (data, json.dumps({"data": data}))
            self._encoded[id(data)] = cached
            if len(self._encoded) > self._size:
                self._encoded.popitem(last=False)
        kind, operation = json.dumps(message["type"]), json.dumps(message.get("id"))
        return '{"type":' + kind + ',"id":' + operation + ',"payload":' + cached[1] + "}"


def _canonical(variables: dict[str, Any] | None) -> str:
    return json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), default=str)


def _is_live_subscription(
    operation: OperationDefinitionNode | None, variables: dict[str, Any] | None
) -> bool:
    """A subscription without a cursor to replay from: one that can share its results."""
    if operation is None or operation.operation is not OperationType.SUBSCRIPTION:
        return False
    for selection in operation.selection_set.selections:
        for argument in getattr(selection, "arguments", None) or ():
            if argument.name.value != "after":
                continue
            value = argument.value
            if not isinstance(value, VariableNode) or (variables or {}).get(value.name.value):
                return False
    return True
