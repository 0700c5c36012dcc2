"""Outbound webhooks in one process: which it delivers, and everything done to them.

Every `poll` seconds the process looks at the webhooks: it takes the lease of each enabled one
nobody holds (or renews its own), runs a worker for each it holds (`WebhookWorker`), and stops
the worker of one that changed, was disabled or deleted, or whose lease it lost. New events
reach the workers from the dispatcher the moment they land; only changes to the webhooks
themselves are polled for (and a change made in this process is seen at once). Deliveries
sent again by hand are sent by a loop of their own, beside the queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from datetime import UTC, datetime, timedelta

from pymongo.errors import PyMongoError

from app.config import Settings
from app.documents.layout import DOCUMENT_CODEC
from app.errors import ServiceError
from app.live.dispatcher import LiveDispatcher
from app.outbound.delivery_log import FAILED, DeliveryLog
from app.outbound.endpoints import Webhook, Webhooks
from app.outbound.recorder import Recorder
from app.outbound.schedule import RetrySchedule
from app.outbound.sender import Attempt, Sender
from app.outbound.worker import Delivering, WebhookWorker, attempt, settled
from app.store import EventStore

__all__ = ["OutboundWebhooks"]

log = logging.getLogger(__name__)
_RESENDS_PER_ROUND = 100
_PURGE_EVERY = timedelta(hours=1)


class OutboundWebhooks:
    def __init__(self, store: EventStore, dispatcher: LiveDispatcher, settings: Settings) -> None:
        codec = DOCUMENT_CODEC
        self._recorder = Recorder()
        self.webhooks = Webhooks(
            store.collection("webhooks").with_options(codec_options=codec), self._recorder
        )
        self.log = DeliveryLog(
            store.collection("webhook_deliveries").with_options(codec_options=codec),
            self._recorder,
        )
        self.settings = settings
        self._lease_seconds = settings.webhook_lease_seconds
        self._poll = min(2.0, self._lease_seconds / 3)
        self._role = Delivering(
            store=store,
            dispatcher=dispatcher,
            webhooks=self.webhooks,
            log=self.log,
            sender=Sender(
                allow_private=settings.webhook_allow_private,
                timeout_seconds=settings.webhook_timeout_seconds,
            ),
            schedule=RetrySchedule(
                settings.webhook_retry_delays(),
                max_retry_after=settings.webhook_max_retry_after_seconds,
            ),
            owner=uuid.uuid4().hex,
            disable_after=timedelta(days=settings.webhook_disable_after_days),
            capacity=settings.webhook_queue_events,
            rng=random.Random(),
        )
        self._workers: dict[str, tuple[int, asyncio.Task[None]]] = {}
        self._held: dict[str, Webhook] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._purged: datetime | None = None

    @property
    def delivering(self) -> int:
        """Webhooks this process delivers now."""
        return len(self._workers)

    async def start(self) -> None:
        await self.webhooks.prepare()
        await self.log.prepare()
        self._tasks = [
            asyncio.create_task(self._keep(), name="webhook-leases"),
            asyncio.create_task(self._resend(), name="webhook-resends"),
        ]

    async def stop(self) -> None:
        tasks = [*self._tasks, *(task for _, task in self._workers.values())]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        with contextlib.suppress(PyMongoError):
            await self.webhooks.release(list(self._held), self._role.owner, datetime.now(UTC))
        await self._recorder.close()
        await self._role.sender.close()

    def changed(self) -> None:
        """A webhook changed in this process: look again now rather than at the next poll."""
        self._wake.set()

    async def _keep(self) -> None:
        while True:
            try:
                await self._round()
            except (ServiceError, PyMongoError) as error:
                log.warning("webhooks: %s; looking again shortly", error)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wake.wait()

    async def _round(self) -> None:
        now = datetime.now(UTC)
        held = {hook.id: hook for hook in await self.webhooks.all() if await self._holds(hook, now)}
        self._held = held
        for hook_id, (version, task) in list(self._workers.items()):
            kept = held.get(hook_id)
            if kept is None or kept.version != version or task.done():
                task.cancel()
                del self._workers[hook_id]
        for hook_id, hook in held.items():
            if hook_id not in self._workers:
                task = asyncio.create_task(WebhookWorker(self._role, hook).run(), name=hook_id)
                self._workers[hook_id] = (hook.version, task)
        if self._purged is None or now - self._purged > _PURGE_EVERY:
            self._purged = now
            await self.log.purge(now - timedelta(days=self.settings.webhook_log_days))

    async def _holds(self, hook: Webhook, now: datetime) -> bool:
        """Whether this process delivers `hook` from now on: enabled, and its lease this
        process's (renewed once a third of it is used) or free to take."""
        if not hook.enabled:
            return False
        owner, until = self._role.owner, hook.lease_until
        if hook.lease_owner == owner and until is not None:
            if until - now > timedelta(seconds=self._lease_seconds * 2 / 3):
                return True
        elif until is not None and until >= now:
            return False  # another process's
        return await self.webhooks.claim(hook.id, owner, now, self._lease_seconds)

    async def _resend(self) -> None:
        """Deliveries sent again by hand, each with its own round of the schedule."""
        while True:
            try:
                await self._resend_due()
            except (ServiceError, PyMongoError) as error:
                log.warning("webhook resends: %s; trying again shortly", error)
            await asyncio.sleep(self._poll / 2)

    async def _resend_due(self) -> None:
        role, now = self._role, datetime.now(UTC)
        for delivery in await self.log.due(list(self._held), now, _RESENDS_PER_ROUND):
            hook = self._held.get(delivery.webhook_id)
            if hook is None:
                continue
            event = await role.store.get(delivery.event_id)
            if event is None:  # removed since (retention): nothing is left to send
                gone = Attempt(now, None, 0, "the event is no longer stored")
                await self.log.finish(delivery, gone, FAILED)
                continue
            tried = await attempt(role, hook, event)
            await settled(role, hook, delivery, tried)
            if tried.succeeded:
                await self.webhooks.recovered(hook.id, role.owner)  # its receiver is up
