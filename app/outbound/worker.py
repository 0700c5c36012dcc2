"""Delivering one webhook's queue, in order, while this process holds its lease.

The queue is the log itself: the events the webhook's filter selects after its position, read
from the store, then handed over live by the dispatcher as they land (`follow_from`, the path
live subscriptions take). An event is sent once the one before it succeeded or was given up;
the position moves on after, so a crash repeats at most the event in flight. A webhook that
falls behind (a receiver down for hours) has its live feed closed and catches up from the
store at its own pace, holding no other webhook back.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo.errors import PyMongoError

from app.errors import ServiceError
from app.events import StoredEvent
from app.live.dispatcher import LiveDispatcher
from app.live.feed import SubscriberTooSlow
from app.live.follow import follow_from
from app.outbound.delivery_log import FAILED, PENDING, SUCCEEDED, Delivery, DeliveryLog
from app.outbound.endpoints import Webhook, Webhooks
from app.outbound.messages import message_of
from app.outbound.schedule import RetrySchedule
from app.outbound.sender import Attempt, Sender
from app.outbound.signing import signature_header
from app.store import EventStore

__all__ = ["Delivering", "WebhookWorker", "attempt", "settled"]

log = logging.getLogger(__name__)
_USER_AGENT = "eventstore-webhooks/1"
GONE = "the receiver answered 410 Gone"


@dataclass(frozen=True)
class Delivering:
    """What a process's webhook workers share."""

    store: EventStore
    dispatcher: LiveDispatcher
    webhooks: Webhooks
    log: DeliveryLog
    sender: Sender
    schedule: RetrySchedule
    owner: str
    disable_after: timedelta
    # Events held for a webhook waiting on its receiver: past them its feed is closed and it
    # catches up from the store, so a slow receiver costs the process this much at most.
    capacity: int
    rng: random.Random


async def attempt(role: Delivering, hook: Webhook, event: StoredEvent) -> Attempt:
    """One signed POST of `event` to the webhook."""
    message = message_of(hook.id, event, role.store.cursor_of(event), hook.format)
    now = datetime.now(UTC)
    timestamp = int(now.timestamp())
    headers = {
        "content-type": message.content_type,
        "user-agent": _USER_AGENT,
        "webhook-id": message.id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            message.id, timestamp, message.body, hook.signing_secrets(now)
        ),
    }
    return await role.sender.send(hook.url, headers, message.body)


class WebhookWorker:
    def __init__(self, role: Delivering, hook: Webhook) -> None:
        self._role = role
        self._hook = hook
        self._known: dict[int, Delivery] = {}
        self._position = hook.position
        self._failing_since = hook.failing_since

    async def run(self) -> None:
        """Deliver until stopped, disabled, or the lease is lost."""
        backoff = 1.0
        while True:
            try:
                if not await self._deliver_queue():
                    return
            except SubscriberTooSlow:
                continue  # fell behind: catch up from the store, from the position
            except (ServiceError, PyMongoError) as error:
                log.warning("webhook %s: %s; trying again in %.0f s", self._hook.id, error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    async def _deliver_queue(self) -> bool:
        role = self._role
        self._known = await role.log.beyond(self._hook.id, self._position)
        events = follow_from(
            role.store,
            role.dispatcher,
            self._hook.selection,
            after_seq=self._position,
            capacity=role.capacity,
        )
        async for event in events:
            if event.seq <= self._position:
                continue
            if not await self._deliver(event):
                return False
            self._position = event.seq
        return True

    async def _deliver(self, event: StoredEvent) -> bool:
        """Send `event` until it succeeds or is given up, then move the position past it.
        False: the webhook was disabled. (A lease lost meanwhile is seen by the process's
        round, which stops this worker; the position no longer moves for it.)"""
        role, hook = self._role, self._hook
        known = self._known.pop(event.seq, None)
        delivery = known or Delivery.new(hook.id, event.seq, event.id)
        while delivery.status == PENDING:
            await _until(delivery.next_attempt_at)
            tried = await attempt(role, hook, event)
            reason = await self._failing(tried)
            following = await settled(role, hook, delivery, tried, disable=reason)
            if following is None:
                if not tried.succeeded and (tried.gone or reason is not None):
                    return False  # disabled: its position stays on this event
                break
            delivery = following
        await role.webhooks.advance(hook.id, role.owner, event.seq)
        return True

    async def _failing(self, tried: Attempt) -> str | None:
        """Keep the webhook's failing since time; why it must be disabled now, if it must."""
        role, hook = self._role, self._hook
        if tried.succeeded:
            if self._failing_since is not None:
                await role.webhooks.recovered(hook.id, role.owner)
                self._failing_since = None
            return None
        if tried.gone:
            return None  # `settled` disables it for that
        if self._failing_since is None:
            self._failing_since = tried.at
            await role.webhooks.failing(hook.id, role.owner, tried.at)
        if tried.at - self._failing_since >= role.disable_after:
            return f"every attempt failed since {self._failing_since.isoformat()}"
        return None


async def settled(
    role: Delivering,
    hook: Webhook,
    delivery: Delivery,
    tried: Attempt,
    *,
    disable: str | None = None,
) -> Delivery | None:
    """Record an attempt: the delivery to try again (when is in it), or None once it is done
    with (succeeded, failed for good on the schedule) or its webhook is disabled, by the
    receiver's 410 or for `disable`. A disabled webhook's delivery stays pending, due again
    when the webhook is enabled."""
    if tried.succeeded:
        await role.log.finish(delivery, tried, SUCCEEDED)
        return None
    reason = GONE if tried.gone else disable
    if reason is not None:
        await role.log.stopped(delivery, tried)
        await role.webhooks.disable(hook.id, role.owner, reason)
        return None
    delay = role.schedule.delay_after(delivery.tries + 1, tried, role.rng)
    if delay is None:
        await role.log.finish(delivery, tried, FAILED)
        return None
    return await role.log.attempted(delivery, tried, tried.at + timedelta(seconds=delay))


async def _until(moment: datetime | None) -> None:
    if moment is None:
        return
    wait = (moment - datetime.now(UTC)).total_seconds()
    if wait > 0:
        await asyncio.sleep(wait)
