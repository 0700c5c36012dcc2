"""CDEvents: a CloudEvent carrying a CDEvent (or a CDEvent alone) into a `NewEvent`.

The CDEvent is checked against its type's schema of CDEvents 0.5.1 (`types`),
every problem named by its path. `raw` is the CDEvent as sent, whatever the CloudEvents mode
that carried it; the CloudEvent's own attributes are kept in `data`, so the event goes out as
the CloudEvent that came in. The named fields the delivery insights read (`repo`, `commit`)
are filled from the subject where CDEvents says them; deployments and incidents name only an
artifact, whose commit is looked up before it is stored (`links`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.errors import FieldError, FieldPath, InvalidInput
from app.events import NewEvent
from app.families.cdevents.types import cdevent_type_of, check_cdevent
from app.intake import BodyFields, IntakeLimits
from app.timestamps import parse_event_time

__all__ = [
    "SOURCE",
    "cdevent_event",
    "cdevent_key",
    "cloudevent_attributes",
    "cloudevent_event",
    "cloudevent_key",
]

SOURCE = "CDEVENTS"

Fields = dict[str, Any]


def cdevent_event(cdevent: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A CDEvent sent without a CloudEvent around it: its attributes are the ones the CDEvents
    binding gives it."""
    return _cdevent(cdevent, None, limits, ())


def cloudevent_event(cloud_event: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A CloudEvent (attributes and `data`, as `app.rest.cloudevents` reads it) whose data is
    a CDEvent."""
    attributes = {key: value for key, value in cloud_event.items() if key != "data"}
    return _cdevent(cloud_event.get("data"), attributes, limits, ("data",))


def cloudevent_attributes(cdevent: Mapping[str, Any]) -> dict[str, Any]:
    """The CloudEvent attributes of a valid CDEvent, as the CDEvents binding sets them."""
    context, subject = cdevent["context"], cdevent["subject"]
    return {
        "specversion": "1.0",
        "id": context["id"],
        "source": context["source"],
        "type": context["type"],
        "subject": subject["id"],
        "time": context["timestamp"],
        "datacontenttype": "application/json",
    }


def cloudevent_key(cloud_event: Any) -> str | None:
    """The idempotency key of a CloudEvent: its `source` and `id`, which the CloudEvents spec
    makes unique per distinct event, so a redelivery is stored once. None when either is
    missing (the event is refused by its checks then)."""
    if not isinstance(cloud_event, Mapping):
        return None
    source, event_id = cloud_event.get("source"), cloud_event.get("id")
    if not isinstance(source, str) or not isinstance(event_id, str):
        return None
    both = json.dumps([source, event_id], ensure_ascii=False)
    # Hashed: the key has a bounded length and no control characters whatever was sent.
    return "cloudevents:" + hashlib.sha256(both.encode("utf-8", "surrogatepass")).hexdigest()


def cdevent_key(cdevent: Any) -> str | None:
    """The key of the CloudEvent the binding wraps a CDEvent in (its context's source, id)."""
    context = cdevent.get("context") if isinstance(cdevent, Mapping) else None
    return cloudevent_key(context)


def _cdevent(
    cdevent: Any, attributes: dict[str, Any] | None, limits: IntakeLimits, where: FieldPath
) -> NewEvent:
    fields = BodyFields(cdevent)
    if fields.errors:
        raise InvalidInput([FieldError(where, "must be a CDEvent: a JSON object")])
    fields.check_limits(limits)
    fields.errors += check_cdevent(fields.body)
    if fields.errors:
        raise InvalidInput(fields.errors).under(*where)
    if attributes is not None:
        _check_binding(attributes, fields.body["context"])
    body = fields.body
    context, subject = body["context"], body["subject"]
    content = subject.get("content") or {}
    return NewEvent(
        source=SOURCE,
        type=context["type"],
        timestamp=parse_event_time(context["timestamp"]),
        object=subject["id"],
        environment=_environment(content),
        **_delivery_fields(context["type"], subject["id"], content),
        data=attributes if attributes is not None else cloudevent_attributes(body),
        raw=body,
    )


def _environment(content: Mapping[str, Any]) -> str | None:
    """The environment a deployment or an incident names (`environment.id`)."""
    environment = content.get("environment")
    identity = environment.get("id") if isinstance(environment, Mapping) else None
    return identity if isinstance(identity, str) and identity else None


def _check_binding(attributes: Mapping[str, Any], context: Mapping[str, Any]) -> None:
    """The binding's one rule a receiver cannot do without: the CloudEvent's `type` is the
    CDEvent's, so the event is typed by what it says it is."""
    if attributes.get("type") != context["type"]:
        problem = f"must be the CDEvent's context.type, {context['type']!r} (CDEvents binding)"
        raise InvalidInput([FieldError(("type",), problem)])


def _delivery_fields(
    event_type: str, subject_id: str, content: Mapping[str, Any]
) -> dict[str, Any]:
    """`repo` and `commit` where the CDEvent names them: a change is its repository's commit
    for the delivery metrics; a packaged artifact names the change it was built from."""
    known = cdevent_type_of(event_type)
    subject = known.subject if known is not None else None
    repository = content.get("repository")
    repo = repository.get("id") if isinstance(repository, Mapping) else None
    if subject == "change":
        return {"commit": subject_id, "repo": repo}
    if subject == "branch":
        return {"repo": repo}
    if subject == "repository":
        return {"repo": subject_id}
    change = content.get("change")
    if subject == "artifact" and isinstance(change, Mapping):
        return {"commit": change.get("id")}
    return {}
