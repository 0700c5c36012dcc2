"""The bodies a CDEvent comes in: the CDEvent itself, and the CloudEvent that carries it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.intake.bodies import CHECKED, JsonObject, NamedText

__all__ = ["CDEventBody", "CloudEventBody"]


class CDEventBody(BaseModel):
    """A CDEvent: its `context` and `subject` are checked against its type's schema of CDEvents
    0.5.1, or of 0.4.1 or 0.3.0 for those releases' types (every problem named by its path);
    `dev.cdeventsx.*` types keep any content."""

    model_config = ConfigDict(**CHECKED, title="CDEvent")

    context: JsonObject = Field(
        description="`specversion` (`version` in 0.4.1's and 0.3.0's types), `id`, `source`, "
        "`type` (`dev.cdevents.<subject>.<predicate>.<version>`), `timestamp`; optional "
        "`schemaUri`, `chainId`, `links`."
    )
    subject: JsonObject = Field(description="`id`, optional `source`, and the type's `content`.")
    customData: Any = None
    customDataContentType: str | None = None


class CloudEventBody(BaseModel):
    """A CloudEvent in the JSON format carrying a CDEvent (structured mode; a batch is an
    array of these). Its `source` and `id` are its idempotency key."""

    model_config = ConfigDict(**CHECKED, title="CloudEvent")

    specversion: Literal["1.0"]
    id: NamedText
    source: NamedText = Field(description="A URI-reference.")
    type: NamedText = Field(description="The CDEvent's `context.type`.")
    subject: str | None = None
    time: str | None = Field(default=None, description="RFC 3339.")
    datacontenttype: str | None = Field(default=None, description="A JSON media type.")
    dataschema: str | None = None
    data: CDEventBody
