"""Team isolation, decided here for every path: queries, subscriptions, REST, ingest.

A team's caller sees and writes only its team's events; an admin sees all. A filter naming
another team is refused outright (403), so a mistake is not answered with a silent nothing.
"""

from __future__ import annotations

from app.access.caller import Caller
from app.access.tokens import Forbidden
from app.errors import FieldError, InvalidInput
from app.events import NewEvent, StoredEvent
from app.families import family_of
from app.filters import AllOf, AnyOf, Condition, EventFilter, Not, Op, all_of
from app.intake.bodies import MAX_KEY_LENGTH, is_blank
from app.intake.json_checks import is_unicode_text

__all__ = ["owned", "scoped", "scoped_key", "visible"]


def scoped(caller: Caller, event_filter: EventFilter) -> EventFilter:
    """`event_filter` narrowed to what `caller` may see."""
    if caller.admin:
        return event_filter
    for team in _teams_named(event_filter):
        if team != caller.team_id:
            raise Forbidden(f"this token reads team {caller.team_id!r}, not {team!r}")
    return all_of([event_filter, Condition("teamId", Op.EQ, str(caller.team_id))])


def visible(caller: Caller, event: StoredEvent) -> bool:
    return caller.admin or event.team_id == caller.team_id


def owned(caller: Caller, event: NewEvent) -> NewEvent:
    """`event` stored under the caller's team (a team its body names must be the caller's)."""
    if caller.admin:
        return event
    if family_of(event.source).team_in_body and event.team_id not in (None, caller.team_id):
        raise Forbidden(f"this token writes team {caller.team_id!r}, not {event.team_id!r}")
    return event.model_copy(update={"team_id": caller.team_id})


def scoped_key(caller: Caller, key: str | None, *, field: str = "idempotencyKey") -> str | None:
    """Idempotency keys per team: one team's key never returns another team's event.

    A blank key is refused, not shared: a script whose key variable is unset would otherwise
    store its first event and silently drop every later one.
    """
    if key is None:
        return None
    if is_blank(key):
        raise InvalidInput([FieldError((field,), "must not be blank; leave it out for none")])
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput([FieldError((field,), f"is longer than {MAX_KEY_LENGTH} characters")])
    if not is_unicode_text(key):
        raise InvalidInput([FieldError((field,), "is not valid Unicode text")])
    if any(ord(character) < 0x20 for character in key):
        # They join a batch's key to its events' indexes (`app.store.batch_keys`).
        raise InvalidInput([FieldError((field,), "must not hold control characters")])
    return f"{'*' if caller.admin else caller.team_id}:{key}"


def _teams_named(event_filter: EventFilter) -> list[str]:
    """The teams a filter asks for by name (`teamId` eq/in), wherever it does."""
    match event_filter:
        case Condition(path="teamId", op=Op.EQ, value=str() as team):
            return [team]
        case Condition(path="teamId", op=Op.IN, value=tuple() as teams):
            return [str(team) for team in teams]
        case Condition():
            return []
        case AllOf(filters=filters) | AnyOf(filters=filters):
            return [team for item in filters for team in _teams_named(item)]
        case Not():
            # "Not team b" asks for nothing of team b's.
            return []
