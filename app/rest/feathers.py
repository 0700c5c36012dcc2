"""FeathersJS query strings, as CTO.ai's `GET /events` takes them, in the filter language.

`team_id=…` (any field equality), `field[$in]=…` (also `$nin $lt $lte $gt $gte $ne`),
`$sort[field]=-1|1` (several, in order), `$limit`, `$skip`, `$select[]=field`. Field names are
those of the CTO.ai body; any other name is one of the body's further fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

from app.errors import FieldError, InvalidInput
from app.filters import MAX_TEXT, EventFilter, FilterBudget, Op, all_of, build_condition, build_sort
from app.intake.bodies import EventTime
from app.named_fields import NAMED_FIELDS, FieldKind
from app.store import SortKey
from app.timestamps import parse_event_time

__all__ = ["FeathersParameters", "FeathersQuery", "parse_feathers_query"]

# CTO.ai body name → stored field; any other name lives in the event's `data`.
_NAMED = {named.cto_name: named.name for named in NAMED_FIELDS if named.cto_name is not None}
_TIMES = {
    named.cto_name
    for named in NAMED_FIELDS
    if named.cto_name is not None and named.kind is FieldKind.TIME
}
_OPERATORS = {
    "$in": Op.IN,
    "$nin": Op.NIN,
    "$lt": Op.LT,
    "$lte": Op.LTE,
    "$gt": Op.GT,
    "$gte": Op.GTE,
    "$ne": Op.NE,
}
_DECIMAL = re.compile(r"[0-9]+")
_INT64_MAX = 2**63 - 1
_SORT_ORDERS = {"1": False, "-1": True}  # as written → descending
_KEY = re.compile(r"^(?P<name>[^\[\]]+)(?P<subscripts>(?:\[[^\[\]]*\])*)$")


_Text = Annotated[str, Field(max_length=MAX_TEXT)]

# The parameters `/openapi.json` lists, typed by the rules `parse_feathers_query` applies to
# them (`$limit`'s maximum is a setting, added by the document). A query string is no JSON
# object, so the parser reads it, not pydantic; the further forms (any field, any operator)
# follow the same rules and are described in words.
FeathersParameters = TypedDict(
    "FeathersParameters",
    {
        "team_id": NotRequired[
            Annotated[
                _Text,
                Field(description="Events of this team; any body field works as `name=value`."),
            ]
        ],
        "event_name": NotRequired[Annotated[_Text, Field(description="Events of this name.")]],
        "event_action": NotRequired[Annotated[_Text, Field(description="Events of this action.")]],
        "repo": NotRequired[Annotated[_Text, Field(description="Events of this repository.")]],
        "branch": NotRequired[Annotated[_Text, Field(description="Events of this branch.")]],
        "commit": NotRequired[Annotated[_Text, Field(description="Events of this commit.")]],
        "timestamp[$gte]": NotRequired[
            Annotated[
                EventTime,
                Field(
                    description="Events from this time on; every field takes `[$gte]` and "
                    "`$in $nin $lt $lte $gt $ne`, and `received_at` too takes times."
                ),
            ]
        ],
        "timestamp[$lt]": NotRequired[
            Annotated[EventTime, Field(description="Events before this time.")]
        ],
        "$sort[timestamp]": NotRequired[
            Annotated[
                Literal[1, -1],
                Field(description="1 or -1 (newest first by default); several apply in order."),
            ]
        ],
        "$limit": NotRequired[
            Annotated[int, Field(ge=0, description="Page size (50 by default).")]
        ],
        "$skip": NotRequired[
            Annotated[int, Field(ge=0, le=_INT64_MAX, description="Events to skip.")]
        ],
        "$select[]": NotRequired[
            Annotated[list[str], Field(description="Fields to return; `id` always comes.")]
        ],
    },
)


@dataclass
class FeathersQuery:
    filter: EventFilter
    sort: tuple[SortKey, ...]
    limit: int | None
    skip: int
    select: list[str] | None


@dataclass
class _Reading:
    # (parameter as written, path, operator, value)
    conditions: list[tuple[str, str, Op, Any]] = field(default_factory=list)
    lists: dict[tuple[str, str, Op], list[str]] = field(default_factory=dict)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    select: list[str] | None = None
    limit: int | None = None
    skip: int = 0


def parse_feathers_query(items: Sequence[tuple[str, str]]) -> FeathersQuery:
    """The query `items` (key, value pairs in order) stand for; InvalidInput names the key."""
    reading = _Reading()
    for key, value in items:
        _read(reading, key, value)
    budget = FilterBudget()
    conditions = [
        _condition(key, name, op, value, budget) for key, name, op, value in reading.conditions
    ]
    conditions += [
        _condition(key, name, op, values, budget)
        for (key, name, op), values in reading.lists.items()
    ]
    sort = build_sort([(_path(name), descending) for name, descending in reading.sort], ("$sort",))
    return FeathersQuery(
        filter=all_of(conditions),
        sort=sort,
        limit=reading.limit,
        skip=reading.skip,
        select=reading.select,
    )


def _read(reading: _Reading, key: str, value: str) -> None:
    match = _KEY.match(key)
    if match is None:
        raise _bad(key, "is not a query parameter this API knows")
    name = match["name"]
    subscripts = re.findall(r"\[([^\[\]]*)\]", match["subscripts"])
    if name == "$limit" and not subscripts:
        reading.limit = _count(key, value)
    elif name == "$skip" and not subscripts:
        reading.skip = _count(key, value)
    elif name == "$sort" and len(subscripts) == 1:
        if subscripts[0].startswith("$"):
            raise _bad(key, "names no field: a field name does not start with $")
        if value not in _SORT_ORDERS:
            raise _bad(key, "must be 1 (ascending) or -1 (descending)")
        reading.sort.append((subscripts[0], _SORT_ORDERS[value]))
    elif name == "$select" and len(subscripts) <= 1:
        reading.select = [*(reading.select or []), *value.split(",")]
    elif name.startswith("$"):
        raise _bad(key, f"{name} is not a query operator this API knows")
    else:
        _read_condition(reading, key, name, subscripts, value)


def _read_condition(
    reading: _Reading, key: str, name: str, subscripts: list[str], value: str
) -> None:
    operators = [part for part in subscripts if part.startswith("$")]
    path = ".".join([name, *(part for part in subscripts if part and not part.startswith("$"))])
    if not operators:
        reading.conditions.append((key, path, Op.EQ, value))
        return
    if len(operators) > 1 or operators[0] not in _OPERATORS:
        raise _bad(key, f"{operators[-1]} is not an operator this API knows")
    op = _OPERATORS[operators[0]]
    if op in (Op.IN, Op.NIN):
        reading.lists.setdefault((key, path, op), []).extend(value.split(","))
    else:
        reading.conditions.append((key, path, op, value))


def _condition(
    key: str, name: str, op: Op, value: str | list[str], budget: FilterBudget
) -> EventFilter:
    try:
        return _build_condition(name, op, value, budget)
    except InvalidInput as invalid:
        # Named as the client wrote the parameter (`repo[$in]`), not by the filter's inner path.
        raise InvalidInput(
            [FieldError((key,), error.message) for error in invalid.errors]
        ) from None


def _build_condition(
    name: str, op: Op, value: str | list[str], budget: FilterBudget
) -> EventFilter:
    where = (name,)
    path = _path(name)
    if isinstance(value, list):
        values = [option for text in value for option in _typed(name, text)]
        return build_condition(path, op, values, where, budget)
    options = _typed(name, value)
    if op is Op.EQ and len(options) > 1:
        return build_condition(path, Op.IN, options, where, budget)
    if op is Op.NE and len(options) > 1:
        return build_condition(path, Op.NIN, options, where, budget)
    # Ranges compare like with like: a number if the text is one.
    return build_condition(path, op, options[-1], where, budget)


def _path(name: str) -> str:
    return _NAMED.get(name, f"data.{name}")


def _typed(name: str, text: str) -> list[Any]:
    """What a query-string value may stand for: text is all a query string carries."""
    if name in _TIMES:
        try:
            return [parse_event_time(text)]
        except ValueError as error:
            raise _bad(name, str(error)) from None
    if name in _NAMED:
        return [text]
    options: list[Any] = [text]
    if text in ("true", "false"):
        options.append(text == "true")
    else:
        try:
            whole = int(text)
            if -(2**63) <= whole < 2**63:
                options.append(whole)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                pass
            else:
                if number == number and abs(number) != float("inf"):
                    options.append(number)
    return options


def _count(key: str, value: str) -> int:
    # ASCII digits only: `isdigit` also takes "²", which `int` refuses.
    if not _DECIMAL.fullmatch(value):
        raise _bad(key, "must be a whole number, 0 or more")
    # Measured by its digits before converting: `int` of thousands of digits is refused.
    digits = value.lstrip("0") or "0"
    if len(digits) > len(str(_INT64_MAX)) or int(digits) > _INT64_MAX:
        raise _bad(key, f"must be at most {_INT64_MAX}")
    return int(digits)


def _bad(key: str, message: str) -> InvalidInput:
    return InvalidInput([FieldError((key,), message)])
