"""Webhook deliveries that say their kind in a header (a tool's `X-…-Event`): the delivery as
its webhook reads it, `{"event": <the header>, "body": <the JSON body>}`, into a `NewEvent`.

The type is the header's kind; the body is `raw`, exactly as sent, and `payload`, checked
against its kind's model where the kind is typed. The named fields come from where each kind
keeps them (its `Reading`); a time that does not read as one is refused, naming its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from app.events import NewEvent
from app.intake.bodies import field_problems
from app.intake.common import BodyFields, IntakeLimits
from app.intake.paths import Path, Reading, branch_name, first_text, time_at
from app.timestamps import parse_event_time

__all__ = ["HeaderTypedDeliveries"]


@dataclass(frozen=True)
class HeaderTypedDeliveries:
    source: str
    kind_header: str
    # Who sends them, as a message names the tool.
    tool: str
    payloads: Mapping[str, type[BaseModel]]
    readings: Mapping[str, Reading]
    other: Reading
    repo: tuple[Path, ...]
    actor: tuple[Path, ...]
    parse_time: Callable[[str], datetime] = parse_event_time

    def event(self, delivery: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
        kind = delivery.get("event") if isinstance(delivery, Mapping) else None
        fields = BodyFields(delivery.get("body") if isinstance(delivery, Mapping) else None)
        fields.check_limits(limits)
        if not isinstance(kind, str) or not kind.strip():
            fields.fail((self.kind_header,), f"is required: the kind of event {self.tool} delivers")
            kind = ""
        model = self.payloads.get(kind)
        if model is not None and not fields.errors:
            try:
                model.model_validate(fields.body)
            except ValidationError as error:
                fields.errors += field_problems(error.errors())
        reading = self.readings.get(kind, self.other)
        body = fields.body
        timestamp = None
        if not fields.errors:
            timestamp = time_at(fields, reading.time_paths(body), self.parse_time)
        fields.raise_if_invalid()
        return NewEvent(
            source=self.source,
            type=kind,
            action=reading.action(body),
            repo=first_text(body, self.repo),
            branch=branch_name(first_text(body, reading.branch)),
            commit=reading.commit(body),
            actor=first_text(body, self.actor),
            object=first_text(body, reading.object),
            environment=first_text(body, reading.environment),
            timestamp=timestamp or received_at,
            payload=body,
            raw=body,
        )
