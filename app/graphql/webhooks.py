"""Outbound webhooks over GraphQL: the names of API.md's "Outbound webhooks".

A team token makes, sees and changes only its team's webhooks, which carry only its team's
events; an admin's see every webhook, and one an admin makes carries every team's events (its
filter may narrow them). Another team's webhook reads as unknown, as its events do.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry

from app.access.caller import Caller
from app.errors import FieldError, InvalidInput
from app.filters import AllOf, Condition, Op, all_of
from app.graphql.context import Info
from app.graphql.filters import EventFilter
from app.outbound.delivery_log import Delivery
from app.outbound.destinations import refusal
from app.outbound.endpoints import Webhook as StoredWebhook
from app.outbound.runner import OutboundWebhooks

__all__ = ["WebhookMutations", "WebhookQueries"]

_MAX_DESCRIPTION = 1000
# `pending` counts this far, then says "at least": a webhook days behind costs no more.
_MOST_PENDING = 100_000


@strawberry.enum(description="What a webhook sends for each event.")
class WebhookFormat(Enum):
    EVENT = "EVENT"
    CLOUDEVENTS = "CLOUDEVENTS"


@strawberry.enum
class WebhookStatus(Enum):
    ACTIVE = "ACTIVE"
    FAILING = "FAILING"
    DISABLED = "DISABLED"


@strawberry.enum
class WebhookDeliveryStatus(Enum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.type(description="One attempt to deliver an event.")
class WebhookAttempt:
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None


@strawberry.type(description="One event's delivery by one webhook, with every attempt.")
class WebhookDelivery:
    event_id: strawberry.ID
    status: WebhookDeliveryStatus
    attempts: list[WebhookAttempt]
    next_attempt_at: datetime | None

    @classmethod
    def of(cls, delivery: Delivery) -> WebhookDelivery:
        return cls(
            event_id=strawberry.ID(delivery.event_id),
            status=WebhookDeliveryStatus(delivery.status),
            attempts=[
                WebhookAttempt(
                    at=a.at, status_code=a.status_code, duration_ms=a.duration_ms, error=a.error
                )
                for a in delivery.attempts
            ],
            next_attempt_at=delivery.next_attempt_at,
        )


@strawberry.type
class WebhookDeliveryPageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="Deliveries, newest event first.")
class WebhookDeliveryConnection:
    nodes: list[WebhookDelivery]
    page_info: WebhookDeliveryPageInfo


@strawberry.type(description="Where events go out, signed per Standard Webhooks v1.")
class Webhook:
    stored: strawberry.Private[StoredWebhook]
    id: strawberry.ID
    url: str
    format: WebhookFormat
    status: WebhookStatus
    team_id: str | None
    description: str | None
    created_at: datetime
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled: by the receiver (410 Gone), by failing, or by hand."
    )

    @classmethod
    def of(cls, hook: StoredWebhook) -> Webhook:
        return cls(
            stored=hook,
            id=strawberry.ID(hook.id),
            url=hook.url,
            format=WebhookFormat(hook.format),
            status=WebhookStatus(hook.status),
            team_id=hook.team_id,
            description=hook.description,
            created_at=hook.created_at,
            disabled_reason=None if hook.enabled else (hook.disabled_reason or "disabled by hand"),
        )

    @strawberry.field(
        description=f"Events it carries still to be delivered (counted up to {_MOST_PENDING})."
    )
    async def pending(self, info: Info) -> int:
        ahead = all_of([self.stored.selection, Condition("seq", Op.GT, self.stored.position)])
        return min(await info.context.services.store.count(ahead, _MOST_PENDING), _MOST_PENDING)

    @strawberry.field(description="Its deliveries, newest event first, of one status or all.")
    async def deliveries(
        self,
        info: Info,
        status: WebhookDeliveryStatus | None = None,
        limit: int | None = 50,
        after: str | None = None,
    ) -> WebhookDeliveryConnection:
        limit = 50 if limit is None else limit
        if not 0 < limit <= 1000:
            raise InvalidInput([FieldError(("limit",), "must be from 1 to 1000")])
        before = _delivery_cursor(after)
        outbound = _outbound(info)
        found = await outbound.log.page(
            self.stored.id, None if status is None else status.value, limit + 1, before
        )
        page = found[:limit]
        end = str(page[-1].seq) if page else None
        return WebhookDeliveryConnection(
            nodes=[WebhookDelivery.of(d) for d in page],
            page_info=WebhookDeliveryPageInfo(has_next_page=len(found) > limit, end_cursor=end),
        )


@strawberry.type(description="A webhook and its secret, shown this once.")
class WebhookCreated:
    webhook: Webhook
    secret: str


@strawberry.input
class WebhookInput:
    url: str
    filter: EventFilter | None = None
    format: WebhookFormat | None = WebhookFormat.EVENT
    after: str | None = strawberry.field(
        default=None,
        description="Start after this cursor (events stored after it go out); by default, "
        "with what arrives from now on.",
    )
    description: str | None = None


@strawberry.input
class WebhookUpdate:
    url: str | None = strawberry.UNSET
    filter: EventFilter | None = strawberry.UNSET
    format: WebhookFormat | None = strawberry.UNSET
    enabled: bool | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


def _outbound(info: Info) -> OutboundWebhooks:
    return info.context.services.outbound


def _delivery_cursor(after: str | None) -> int | None:
    if after is None:
        return None
    if not after.isdigit():
        raise InvalidInput([FieldError(("after",), "is not a cursor of these deliveries")])
    return int(after)


def _yours(caller: Caller, hook: StoredWebhook | None) -> StoredWebhook | None:
    if hook is None or not (caller.admin or caller.team_id == hook.team_id):
        return None
    return hook


async def _owned(info: Info, webhook_id: str, field: str = "id") -> StoredWebhook:
    found = _yours(info.context.caller, await _outbound(info).webhooks.get(webhook_id))
    if found is None:
        raise InvalidInput([FieldError((field,), "names no webhook of yours")])
    return found


async def _checked(info: Info, where: str, given: Any, *, create: bool) -> dict[str, Any]:
    """The stored fields an input sets, every bad one reported at once under `where`."""
    settings, errors, fields = info.context.services.settings, [], {}
    given_ = {k: v for k, v in vars(given).items() if v is not strawberry.UNSET}
    if given_.get("url") is not None:
        problem = await refusal(given_["url"], allow_private=settings.webhook_allow_private)
        if problem:
            errors.append(FieldError((where, "url"), problem))
        fields["url"] = given_["url"]
    elif "url" in given_:
        errors.append(FieldError((where, "url"), "cannot be null"))
    if "filter" in given_:
        try:
            fields["filter"] = (
                AllOf(())
                if given_["filter"] is None
                else given_["filter"].to_filter((where, "filter"))
            )
        except InvalidInput as invalid:
            errors.extend(invalid.errors)
    if given_.get("format") is not None:
        fields["format"] = given_["format"].value
    description = given_.get("description")
    if description is not None and len(description) > _MAX_DESCRIPTION:
        errors.append(FieldError((where, "description"), f"is over {_MAX_DESCRIPTION} characters"))
    if "description" in given_:
        fields["description"] = description
    if given_.get("enabled") is not None:
        fields["enabled"] = given_["enabled"]
    if create and given_.get("after") is not None:
        try:
            fields["position"] = info.context.services.store.seq_of_cursor(given_["after"])
        except InvalidInput:
            errors.append(FieldError((where, "after"), "is not a cursor of this event store"))
    if errors:
        raise InvalidInput(errors)
    return fields


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="Your webhooks: a team's, or every one for an admin.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        caller = info.context.caller
        hooks = await _outbound(info).webhooks.all(caller.team_id, every_team=caller.admin)
        return [Webhook.of(hook) for hook in hooks]

    @strawberry.field(description="One of your webhooks, or null.")
    async def webhook(self, info: Info, id: strawberry.ID) -> Webhook | None:
        found = _yours(info.context.caller, await _outbound(info).webhooks.get(str(id)))
        return None if found is None else Webhook.of(found)


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Send the events a filter selects to a URL; the answer holds its signing "
        "secret, shown only here."
    )
    async def create_webhook(self, info: Info, input: WebhookInput) -> WebhookCreated:
        fields = await _checked(info, "input", input, create=True)
        services, caller = info.context.services, info.context.caller
        position = fields.get("position")
        if position is None:
            position = await services.store.settled_seq()
        hook, secret = await _outbound(info).webhooks.create(
            url=fields["url"],
            format_=fields.get("format", "EVENT"),
            event_filter=fields.get("filter", AllOf(())),
            team_id=None if caller.admin else caller.team_id,
            description=fields.get("description"),
            position=position,
            now=datetime.now(UTC),
        )
        _outbound(info).changed()
        return WebhookCreated(webhook=Webhook.of(hook), secret=secret)

    @strawberry.mutation(description="Change a webhook; enabling it resumes where it stopped.")
    async def update_webhook(self, info: Info, id: strawberry.ID, input: WebhookUpdate) -> Webhook:
        await _owned(info, str(id))
        fields = await _checked(info, "input", input, create=False)
        outbound = _outbound(info)
        hook = await outbound.webhooks.update(str(id), fields)
        if hook is None:
            raise InvalidInput([FieldError(("id",), "names no webhook of yours")])
        if fields.get("enabled") is True:
            await outbound.log.retry_now(hook.id, datetime.now(UTC))
        outbound.changed()
        return Webhook.of(hook)

    @strawberry.mutation(description="Delete a webhook and its delivery log.")
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> bool:
        outbound = _outbound(info)
        if _yours(info.context.caller, await outbound.webhooks.get(str(id))) is None:
            return False
        deleted = await outbound.webhooks.delete(str(id))
        await outbound.log.forget(str(id))
        outbound.changed()
        return deleted

    @strawberry.mutation(
        description="A new signing secret, shown only here; the old one keeps signing beside "
        "it for a day."
    )
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> WebhookCreated:
        await _owned(info, str(id))
        rotated = await _outbound(info).webhooks.rotate(str(id), datetime.now(UTC))
        if rotated is None:
            raise InvalidInput([FieldError(("id",), "names no webhook of yours")])
        _outbound(info).changed()
        return WebhookCreated(webhook=Webhook.of(rotated[0]), secret=rotated[1])

    @strawberry.mutation(
        description="Send one event again (beside the webhook's queue, with its own retries)."
    )
    async def redeliver_webhook_event(
        self, info: Info, webhook_id: strawberry.ID, event_id: strawberry.ID
    ) -> WebhookDelivery:
        hook = await _owned(info, str(webhook_id), "webhookId")
        store = info.context.services.store
        event = await store.get(str(event_id))
        carried = event is not None and await store.count(
            all_of([hook.selection, Condition("seq", Op.EQ, event.seq)])
        )
        if event is None or not carried:
            raise InvalidInput([FieldError(("eventId",), "names no event this webhook carries")])
        delivery = await _outbound(info).log.resend(hook.id, event.seq, event.id, datetime.now(UTC))
        return WebhookDelivery.of(delivery)

    @strawberry.mutation(description="Send again every delivery that failed since a time.")
    async def recover_webhook(self, info: Info, webhook_id: strawberry.ID, since: datetime) -> int:
        hook = await _owned(info, str(webhook_id), "webhookId")
        return await _outbound(info).log.recover(hook.id, since, datetime.now(UTC))
