"""CTO.ai lifecycle events: a JSON body (`event_name`, `event_action`, …) into a `NewEvent`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.events import NewEvent
from app.families.lifecycle.actions import LIFECYCLE_ACTIONS, canonical_lifecycle_name
from app.families.lifecycle.body import LIFECYCLE_FIELDS, LifecycleBody
from app.intake import BodyFields, IntakeLimits

__all__ = ["SOURCE", "lifecycle_event"]

SOURCE = "LIFECYCLE"


def lifecycle_event(body: Any, received_at: datetime, limits: IntakeLimits) -> NewEvent:
    """A CTO.ai lifecycle event from its JSON body (`event_name`, `event_action`, …)."""
    fields = BodyFields(body)
    checked = fields.model(LifecycleBody)
    fields.check_limits(limits)
    # Read from the body as sent, so that this rule is checked even when other fields fail.
    name, action = fields.body.get("event_name"), fields.body.get("event_action")
    canonical = canonical_lifecycle_name(name) if isinstance(name, str) else None
    if canonical is not None and (action is None or isinstance(action, str)):
        action = _known_action(fields, canonical, action)
    fields.raise_if_invalid()
    assert checked is not None, "a body that failed its model has errors"
    data = {key: value for key, value in fields.body.items() if key not in LIFECYCLE_FIELDS}
    return NewEvent(
        source=SOURCE,
        type=canonical or checked.event_name,
        action=action,
        team_id=checked.team_id,
        repo=checked.repo,
        branch=checked.branch,
        commit=checked.commit,
        # CTO.ai's bodies carry it beside the named fields; it stays in `data` as sent too.
        environment=_text(data.get("environment")),
        timestamp=checked.timestamp or received_at,
        data=data,
        raw=fields.body,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _known_action(fields: BodyFields, name: str, action: str | None) -> str | None:
    allowed = LIFECYCLE_ACTIONS[name]
    folded = action.strip().lower() if action is not None else None
    if folded in allowed:
        return folded
    got = "missing" if action is None else f"got {action!r}"
    fields.fail(("event_action",), f"{name} events take one of {', '.join(allowed)} ({got})")
    return None
