"""What a family of events declares about itself: the one shape every family fills in.

A family is the events of one delivery tool (or one standard). Its folder under
`app/families/` declares a `Family`; the registry lists it, and every layer that differs by
family (GraphQL's types and roots, ingest over GraphQL and REST, team access, CloudEvents out,
OpenAPI, the delivery metrics) reads what it needs from here. So a family is added by its
folder and its registry line.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

from app.config import Settings
from app.errors import FieldPath
from app.events import NewEvent, StoredEvent
from app.families.pushes import Pushed
from app.families.roles import Role
from app.intake import IntakeLimits

__all__ = [
    "BodyInput",
    "CloudEventsIn",
    "CloudEventsOut",
    "DeliveryFields",
    "DeliveryPart",
    "EventKind",
    "Family",
    "GraphQLShape",
    "Header",
    "InputIngest",
    "JsonIngest",
    "Linker",
    "Lookup",
    "MemberField",
    "Parser",
    "Pushed",
    "Refused",
    "Webhook",
    "kind_and_action",
    "typed_kinds",
]

# A body in the tool's own shape, the time it arrived and the limits, into a valid event (or
# `InvalidInput` naming every bad field).
Parser = Callable[[Any, datetime, IntakeLimits], NewEvent]
# The team's latest stored event of these types about this subject (`EventStore.latest_about`).
Lookup = Callable[[str, str | None, Sequence[str]], Awaitable[StoredEvent | None]]
# Fills what an event says only through others (earlier in its batch, or stored), before it
# is stored; events of other families pass through unchanged.
Linker = Callable[[Sequence[NewEvent], Lookup], Awaitable[list[NewEvent]]]


@dataclass(frozen=True)
class EventKind:
    """One member of the GraphQL unions.

    `type` is None for the catch-all kind of a family (types it does not document).
    `payload_model` types what the family's typed field reads (`GraphQLShape.typed_part`).
    """

    source: str
    type: str | None
    graphql_name: str
    description: str
    actions: tuple[str, ...] | None = None
    # `builtins.type`: the field named `type` above shadows it here.
    payload_model: builtins.type[BaseModel] | None = None
    # Other stored types of this kind (the same event in an earlier release of its spec).
    also: tuple[str, ...] = ()


def typed_kinds(
    source: str,
    payloads: Mapping[str, builtins.type[BaseModel]],
    *,
    name: Callable[[str], str],
    description: Callable[[str], str],
    other: tuple[str, str],
) -> tuple[EventKind, ...]:
    """A family's kinds where each typed one is a payload model by its type (`payloads`), named
    and described from its type, and one `other` (its GraphQL name and description) takes
    every type not typed."""
    typed = (
        EventKind(
            source=source,
            type=kind,
            graphql_name=name(kind),
            description=description(kind),
            payload_model=model,
        )
        for kind, model in payloads.items()
    )
    other_name, other_description = other
    catch_all = EventKind(
        source=source, type=None, graphql_name=other_name, description=other_description
    )
    return (*typed, catch_all)


@dataclass(frozen=True)
class MemberField:
    """A field every GraphQL member of the family has beside the `Event` interface's."""

    name: str
    annotation: Any
    description: str
    value: Callable[[StoredEvent], Any]


def _type_and_action(event: StoredEvent) -> str:
    """The summary of an event whose family says nothing shorter: its type and action."""
    return f"{event.type} / {event.action}" if event.action else event.type


@dataclass(frozen=True)
class GraphQLShape:
    """How the family reads in GraphQL: its union, and the root fields that page and follow it
    (`field` names both the query and the subscription)."""

    union: str
    union_description: str
    field: str
    query_description: str
    subscription_description: str
    fields: tuple[MemberField, ...] = ()
    # What a member's typed field (its kind's `payload_model`) is read from, and its name in
    # the field's description.
    typed_part: Callable[[StoredEvent], Any] = lambda event: None
    typed_what: str = "payload"
    # Where the family's events take each named field from, by attribute (`type`, `repo`, …):
    # the `Event` interface's descriptions say it for every family.
    named: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # How one of its events reads in a list (`summary` and `status` on `Event`): what happened
    # in a few words, and the state it reports where it carries one.
    summary: Callable[[StoredEvent], str] = _type_and_action
    status: Callable[[StoredEvent], str | None] = lambda event: None


@dataclass(frozen=True)
class CloudEventsOut:
    """How the family's events read as CloudEvents.

    A family whose tool does not speak CloudEvents names a `type_prefix` and a `subject`; the
    store gives it its `id`, `source` and `time` (`app/cloudevents/outbound.py`). A family
    that arrives as CloudEvents gives back its own `attributes`.
    """

    type_prefix: str | None = None
    subject: Callable[[StoredEvent], str | None] = lambda event: None
    attributes: Callable[[StoredEvent], dict[str, Any]] | None = None


# A stored event as the delivery reads keep it: its named fields (`type`, `action`, `commit`,
# …) and the paths of its body its family's `DeliveryPart.reads` names.
DeliveryFields = Mapping[str, Any]


@dataclass(frozen=True)
class DeliveryPart:
    """The part the family's events play in the delivery metrics.

    `plays` says which role a stored event plays (None: no part), from its delivery fields.
    `types` says, for each role name, which stored types may play it: what a read asks the
    store for before it asks `plays`. `reads`: the paths of a stored event, beyond the named
    fields, that `plays` and `pushed` read (the delivery reads keep them).
    `subject_names_incident`: an event's `object` is the same on every event about one
    incident. `pushed`: what an event playing a pushed change brought (None: it says nothing
    beyond its own commit).
    """

    plays: Callable[[DeliveryFields], Role | None] = lambda event: None
    types: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    subject_names_incident: bool = False
    reads: tuple[str, ...] = ()
    pushed: Callable[[DeliveryFields], Pushed | None] = lambda event: None


def kind_and_action(event: DeliveryFields) -> tuple[str, str | None]:
    """A stored event's type and action, as most families' `plays` decide by."""
    action = event.get("action")
    return str(event.get("type")), action if isinstance(action, str) else None


class BodyInput(Protocol):
    """A GraphQL input that stands for the tool's own body."""

    def to_body(self) -> dict[str, Any]:
        """The body, or `InvalidInput` located in the input's own fields."""
        ...

    @staticmethod
    def field_path(body_path: FieldPath) -> FieldPath:
        """Where in the input a problem found in its body lies."""
        ...


@dataclass(frozen=True)
class InputIngest:
    """Ingest over GraphQL through an input type: `mutation(input:, idempotencyKey:)` for one
    event, and a list of inputs as `ingestEvents`'s `batch_argument`."""

    mutation: str
    description: str
    input: type[BodyInput]
    batch_argument: str


@dataclass(frozen=True)
class JsonIngest:
    """Ingest over GraphQL of bodies in the tool's own shape, as JSON, each carrying its own
    idempotency key (`key`): `one(event:)` and `many(events:)`, all or nothing."""

    one: str
    one_description: str
    many: str
    many_description: str
    key: Callable[[Any], str | None]


class Refused(Exception):
    """A webhook delivery that does not prove it comes from whom it must: 401, nothing stored."""


@dataclass(frozen=True)
class Header:
    """A header of a webhook's deliveries, as `/openapi.json` documents it."""

    name: str
    description: str


@dataclass(frozen=True)
class Webhook:
    """The tool's webhook deliveries, each one event, at `POST <path>` (202 once stored).

    `sender` reads who sent a delivery from its headers and raw body: the team it stands for,
    None when the caller's token decides as everywhere, or `Refused`. `key` is the delivery's
    idempotency key: from the header `key_header` (which OpenAPI documents), or, without one,
    from the body at `key_path`; a bad one is reported as the one or the other.
    `proof` and `team_bound` say, for the settings the service runs with, what OpenAPI
    documents: the header a delivery must carry, and whether it stands for a team without a
    token. The sender is checked before anything else is read, `ignored` deliveries included.
    """

    path: str
    summary: str
    body: builtins.type[BaseModel]
    sender: Callable[[Mapping[str, str], bytes, Settings], str | None]
    key: Callable[[Mapping[str, str], Any], str | None]
    key_header: str | None
    proof: Callable[[Settings], Header | None] = lambda settings: None
    # What every delivery carries besides (the kind of event, say): without one, it is a 422.
    headers: tuple[Header, ...] = ()
    team_bound: Callable[[Settings], bool] = lambda settings: False
    # What the family's parser takes, from the delivery's headers and JSON body.
    read: Callable[[Mapping[str, str], Any], Any] = lambda headers, body: body
    # Why a delivery carries no event to store (a ping), or None: it is answered, not stored.
    ignored: Callable[[Mapping[str, str]], str | None] | None = None
    # Its name in `EVENTSTORE_WEBHOOK_SECRETS` (`<name>:secret=team`), if it reads its secrets
    # there.
    secret_source: str | None = None
    key_path: tuple[str, ...] = ()

    @property
    def key_field(self) -> tuple[str, ...]:
        """Where a bad key is reported: its header, else its place in the body."""
        return self.key_path if self.key_header is None else (self.key_header,)


@dataclass(frozen=True)
class CloudEventsIn:
    """The family's events arrive as CloudEvents (`POST /cloudevents`, any mode): `parse`
    reads one CloudEvent (its attributes and `data`), `key` is its idempotency key. `title`
    names the events in the docs; `event` and `data` are the models OpenAPI publishes for a
    CloudEvent and for its data sent alone."""

    title: str
    parse: Parser
    key: Callable[[Any], str | None]
    event: builtins.type[BaseModel]
    data: builtins.type[BaseModel]


@dataclass(frozen=True)
class Family:
    """Everything about one family; what it does not have (webhooks, GraphQL ingest, links,
    delivery roles) it leaves at the default."""

    source: str
    # What people call the family, as a page labels it (`eventSources`).
    title: str
    kinds: tuple[EventKind, ...]
    # The tool's body, as every transport hands it over, into an event.
    parse: Parser
    graphql: GraphQLShape
    cloudevents: CloudEventsOut
    delivery: DeliveryPart = DeliveryPart()
    graphql_ingest: InputIngest | JsonIngest | None = None
    webhooks: tuple[Webhook, ...] = ()
    cloudevents_in: CloudEventsIn | None = None
    # The body names the team the event is for: a team's token may write only its own.
    team_in_body: bool = False
    link: Linker | None = None
