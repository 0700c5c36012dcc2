"""Settings, read once from the environment (see the README's Configuration table)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    """Every knob of the service; environment variables are prefixed `EVENTSTORE_`."""

    model_config = SettingsConfigDict(env_prefix="EVENTSTORE_", extra="ignore", frozen=True)

    mongodb_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URI", "EVENTSTORE_MONGODB_URI"),
        description="MongoDB to use; unset starts the embedded SecantusDB server.",
    )
    database: str = Field(default="eventstore", description="MongoDB database name.")
    data_dir: Path = Field(
        default=Path("data"), description="Folder of the embedded server's data (kept)."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: LogLevel = "INFO"
    broadcast_url: str = Field(
        default="memory://",
        validation_alias=AliasChoices("BROADCAST_URL", "EVENTSTORE_BROADCAST_URL"),
        description="Broadcaster backend for live events (memory:// or redis://…).",
    )
    max_event_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Largest event accepted, as JSON."
    )
    max_event_depth: int = Field(
        default=32, gt=0, description="Deepest nesting accepted inside an event."
    )
    max_batch_size: int = Field(default=1000, gt=0, description="Most events in one batch.")
    max_page_size: int = Field(default=1000, gt=0, description="Largest `limit` of a query.")
