"""The GraphQL input of a lifecycle event, and its translation into the body CTO.ai sends.

The input becomes the body the tool itself would send (`raw`), so GraphQL and REST ingest
share one set of rules (`intake`); errors come back under the GraphQL field names.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from app.errors import FieldError, FieldPath, InvalidInput
from app.families.lifecycle.body import LIFECYCLE_FIELDS
from app.intake.bodies import TIMESTAMP_HELP
from app.upstream.strawberry import build_input_by_renaming, graphql_field_name

__all__ = ["LifecycleEventInput"]


@strawberry.input(description="A CTO.ai lifecycle event (its `POST /events` body).")
class LifecycleEventInput:
    event_name: str = strawberry.field(description="A documented name, or any custom one.")
    event_action: str | None = strawberry.UNSET
    team_id: str | None = strawberry.UNSET
    commit: str | None = strawberry.UNSET
    branch: str | None = strawberry.UNSET
    repo: str | None = strawberry.UNSET
    timestamp: str | None = strawberry.field(default=strawberry.UNSET, description=TIMESTAMP_HELP)
    data: JSON | None = strawberry.field(
        default=strawberry.UNSET, description="Any further fields of the body."
    )

    def to_body(self) -> dict[str, Any]:
        """The CTO.ai JSON body this input stands for (snake_case, extra fields inline)."""
        body: dict[str, Any] = {}
        for key in LIFECYCLE_FIELDS:
            value = getattr(self, key)
            if value is not strawberry.UNSET:
                body[key] = value
        if self.data is strawberry.UNSET or self.data is None:
            return body
        if not isinstance(self.data, dict):
            raise InvalidInput([FieldError(("data",), "must be an object")])
        clashes = [key for key in self.data if key in LIFECYCLE_FIELDS]
        if clashes:
            raise InvalidInput(
                [
                    FieldError(("data", key), "is a named field of the input; set it there")
                    for key in clashes
                ]
            )
        body.update(self.data)
        return body

    @staticmethod
    def field_path(body_path: FieldPath) -> FieldPath:
        """Where in this input a problem found in its body lies."""
        if not body_path:
            return body_path
        head, *rest = body_path
        if head in LIFECYCLE_FIELDS:
            return (graphql_field_name(str(head)), *rest)
        return ("data", *body_path)


# Built from its GraphQL input value by renaming keys, in place of Strawberry's generic
# conversion: a batch of 500 spent most of its time there. Every field is a scalar graphql-core
# has already coerced (String, or JSON, whose values are taken as they are).
build_input_by_renaming(LifecycleEventInput)
