"""Settings, read once from the environment (the table in docs/configuration.md)."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


__all__ = ["LogLevel", "Settings", "configuration_problems", "environment_name"]


# What Apollo Client and urql send besides the usual, so their preflights pass by default.
_CORS_HEADERS = (
    "authorization",
    "content-type",
    "accept",
    "idempotency-key",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
)
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 token


class Settings(BaseSettings):
    """Every knob of the service; environment variables are prefixed `EVENTSTORE_`."""

    model_config = SettingsConfigDict(env_prefix="EVENTSTORE_", extra="ignore", frozen=True)

    mongodb_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URI", "EVENTSTORE_MONGODB_URI"),
        description="MongoDB to use; unset starts the embedded SecantusDB server.",
    )
    database: str = Field(default="eventstore", description="MongoDB database name.")
    query_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Longest a read may run in MongoDB; past it the client is told to narrow it.",
    )
    mongodb_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a request waits for an unreachable MongoDB before it is told so.",
    )
    data_dir: Path = Field(
        default=Path("data"), description="Folder of the embedded server's data (kept)."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    log_level: LogLevel = "INFO"
    broadcast_url: str = Field(
        default="memory://",
        validation_alias=AliasChoices("BROADCAST_URL", "EVENTSTORE_BROADCAST_URL"),
        description="Where live events are published (memory:// or redis://…).",
    )
    workers: int = Field(
        default=1, ge=1, description="Worker processes (needs BROADCAST_URL=redis://…)."
    )
    subscriber_buffer: int = Field(
        default=1000,
        gt=0,
        description="Events a live subscriber may fall behind before it is closed.",
    )
    live_gap_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How long live delivery waits for an event missing in sequence whose "
        "number is no longer in flight (a lost publish) before reading it from the store.",
    )
    sequence_lease_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A process's lease on the sequence numbers it is writing: numbers of a "
        "process gone for two leases are skipped by live delivery.",
    )
    bus_heartbeat_seconds: float = Field(
        default=1.0, gt=0, description="How often the bus checks itself."
    )
    ws_ping_seconds: float = Field(
        default=20.0, gt=0, description="Websocket ping interval and timeout."
    )
    ws_init_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time a websocket client has to send connection_init."
    )
    flexdeploy_secret: SecretStr | None = Field(
        default=None,
        description="Shared secret FlexDeploy must send in X-Webhook-Secret; unset accepts all.",
    )
    flexdeploy_team: str | None = Field(
        default=None,
        description="With tokens on, the team whose events a webhook call bearing only the "
        "secret stores (FlexDeploy can send the secret, not always a bearer token).",
    )
    webhook_secrets: SecretStr | None = Field(
        default=None,
        description="Webhook secrets of the sources (each named as in /webhooks/<source>), "
        "`source:secret=team` entries separated by commas: a delivery is stored under the team "
        "whose secret it verifies with.",
    )
    webhook_secrets_file: Path | None = Field(
        default=None,
        description="A file of `source:secret=team` lines (# comments), read at start-up.",
    )
    webhook_retry_schedule: str = Field(
        default="5,300,1800,7200,18000,36000,36000",
        description="Outbound webhooks: seconds between attempts of one delivery, separated "
        "by commas (the first attempt is at once); after the last, the delivery has failed.",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Outbound webhooks may send to loopback, private and link-local "
        "addresses, and over plain http.",
    )
    webhook_timeout_seconds: float = Field(default=15, gt=0, description="Per attempt.")
    webhook_max_retry_after_seconds: float = Field(
        default=3600, ge=0, description="The longest `Retry-After` a receiver is obeyed for."
    )
    webhook_disable_after_days: float = Field(
        default=5, gt=0, description="A webhook whose every attempt failed this long is disabled."
    )
    webhook_log_days: float = Field(
        default=30, gt=0, description="How long finished deliveries are kept in the log."
    )
    webhook_lease_seconds: float = Field(
        default=30, gt=0, description="How long a process delivers a webhook without renewing."
    )
    webhook_queue_events: int = Field(
        default=256,
        gt=0,
        description="Live events held for one webhook before it catches up from the store instead.",
    )
    tokens: str | None = Field(
        default=None,
        description="API tokens, `token=team` pairs separated by commas; `token=*` is an admin.",
    )
    tokens_file: Path | None = Field(
        default=None, description="A file of `token=team` lines (# comments), read at start-up."
    )
    cors_origins: str = Field(
        default="",
        description="Origins (comma-separated, e.g. http://localhost:5173, or *) of frontends "
        "allowed to call and subscribe.",
    )
    cors_headers: str = Field(
        default=",".join(_CORS_HEADERS),
        description="Request headers (comma-separated) frontends on those origins may send.",
    )
    introspection: bool = Field(default=True, description="Answer schema introspection queries.")
    graphiql: bool = Field(default=True, description="Serve GraphiQL to browsers on /graphql.")
    max_query_depth: int = Field(default=15, gt=0, description="Deepest GraphQL selection.")
    max_query_aliases: int = Field(default=30, ge=0, description="Most aliases in one document.")
    max_query_tokens: int = Field(default=5000, gt=0, description="Most tokens in one document.")
    max_query_directives: int = Field(
        default=50, ge=0, description="Most directives in a GraphQL document, fragments expanded."
    )
    max_query_events: int = Field(
        default=1000,
        gt=0,
        description="Most events one GraphQL document may ask for, over all its pages.",
    )
    max_query_fields: int = Field(
        default=2000, gt=0, description="Most fields in a GraphQL document, fragments expanded."
    )
    max_field_merges: int = Field(
        default=5000,
        gt=0,
        description="Most comparisons of repeated fields a GraphQL document asks for.",
    )
    production_environments: str = Field(
        default="production,prod",
        description="Environment names or codes (comma-separated, any case) whose deployments "
        "and incidents the delivery metrics count; those that name none count too.",
    )
    max_validation_ms: int = Field(
        default=100,
        gt=0,
        description="Most CPU time validating one GraphQL document may take, in milliseconds.",
    )
    max_request_bytes: int = Field(default=1024 * 1024, gt=0, description="Largest request body.")
    max_init_bytes: int = Field(
        default=64 * 1024,
        gt=0,
        description="Largest websocket message before the socket's connection_init is accepted.",
    )
    max_subscriptions_per_connection: int = Field(
        default=20, gt=0, description="Most live subscriptions on one websocket."
    )
    max_event_bytes: int = Field(
        default=1024 * 1024, gt=0, description="Largest event accepted, as JSON."
    )
    max_event_depth: int = Field(
        default=32, gt=0, description="Deepest nesting accepted inside an event."
    )
    max_batch_size: int = Field(default=1000, gt=0, description="Most events in one batch.")
    ingest_capacity: int = Field(
        default=4000,
        gt=0,
        description="Most events one process stores at once; past it a request waits for room.",
    )
    max_page_size: int = Field(default=1000, gt=0, description="Largest `limit` of a query.")
    max_count_rows: int = Field(
        default=10_000, gt=0, description="Most counts one `eventCounts` answer may hold."
    )

    def webhook_secrets_of(self, source: str) -> tuple[tuple[str, str], ...]:
        """The (secret, team) pairs configured for the source's webhook (its name in its path)."""
        return tuple(
            (secret, team) for name, secret, team in self._secret_entries() if name == source
        )

    @property
    def webhook_secret_sources(self) -> frozenset[str]:
        return frozenset(name for name, _, _ in self._secret_entries())

    def _secret_entries(self) -> tuple[tuple[str, str, str], ...]:
        text = self.webhook_secrets.get_secret_value() if self.webhook_secrets else None
        return _webhook_secrets(text, self.webhook_secrets_file)

    @property
    def allowed_origins(self) -> list[str]:
        return [_origin(entry) for entry in _listed(self.cors_origins)]

    @property
    def allowed_headers(self) -> list[str]:
        return _listed(self.cors_headers)

    @property
    def production_environment_names(self) -> list[str]:
        return _listed(self.production_environments)

    def webhook_retry_delays(self) -> tuple[float, ...]:
        """`EVENTSTORE_WEBHOOK_RETRY_SCHEDULE`: the seconds before each attempt after the first."""
        return _delays(self.webhook_retry_schedule)

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, origins: str) -> str:
        return ",".join(_origin(entry) for entry in _listed(origins))

    @field_validator("cors_headers")
    @classmethod
    def _headers(cls, headers: str) -> str:
        for name in _listed(headers):
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not an HTTP header name")
        return ",".join(name.lower() for name in _listed(headers))

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule(cls, text: str) -> str:
        _delays(text)
        return text

    @field_validator("broadcast_url")
    @classmethod
    def _known_bus(cls, url: str) -> str:
        if not url.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("must start with memory:// or redis:// (rediss:// for TLS)")
        return url

    @model_validator(mode="after")
    def _team_needs_a_secret(self) -> Settings:
        if self.flexdeploy_team is not None and self.flexdeploy_secret is None:
            raise ValueError(
                "EVENTSTORE_FLEXDEPLOY_TEAM needs EVENTSTORE_FLEXDEPLOY_SECRET: the secret is "
                "what authenticates the webhook for that team"
            )
        return self

    @model_validator(mode="after")
    def _webhook_secrets_read(self) -> Settings:
        self._secret_entries()  # a bad entry or an unreadable file is said at start-up
        return self

    @model_validator(mode="after")
    def _room_for_a_batch(self) -> Settings:
        if self.ingest_capacity < self.max_batch_size:
            raise ValueError(
                f"EVENTSTORE_INGEST_CAPACITY ({self.ingest_capacity}) must be at least "
                f"EVENTSTORE_MAX_BATCH_SIZE ({self.max_batch_size}): a batch is stored whole"
            )
        return self

    @model_validator(mode="after")
    def _buffers_hold_a_batch(self) -> Settings:
        if self.subscriber_buffer < self.max_batch_size:
            raise ValueError(
                f"EVENTSTORE_SUBSCRIBER_BUFFER ({self.subscriber_buffer}) must be at least "
                f"EVENTSTORE_MAX_BATCH_SIZE ({self.max_batch_size}): a batch reaches live "
                "subscribers at once"
            )
        return self


@functools.cache
def _webhook_secrets(text: str | None, path: Path | None) -> tuple[tuple[str, str, str], ...]:
    """(source, secret, team) of every entry of both settings: read once (a file at start-up),
    whichever copy of the settings asks."""
    entries = _listed(text or "")
    if path is not None:
        try:
            lines = path.read_text().splitlines()
        except OSError as error:
            raise ValueError(
                f"EVENTSTORE_WEBHOOK_SECRETS_FILE cannot be read: {error.strerror}"
            ) from None
        entries += [line.split("#", 1)[0].strip() for line in lines]
    parsed = []
    for number, entry in enumerate((entry for entry in entries if entry), start=1):
        source, colon, rest = entry.partition(":")
        secret, equals, team = rest.rpartition("=")
        if not colon or not equals or not source.strip() or not secret or not team.strip():
            # The entry itself is not repeated: it holds a secret.
            raise ValueError(f"webhook secret entry {number} is not `source:secret=team`")
        parsed.append((source.strip().lower(), secret, team.strip()))
    return tuple(parsed)


def _listed(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]


def _origin(entry: str) -> str:
    """An origin as browsers send it in `Origin`: scheme://host[:port], lower case, no path.

    Copied from an address bar it often ends with `/`; that one is forgiven, not a path.
    """
    if entry == "*":
        return entry
    parts = urlsplit(entry.lower())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or port == -1
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ValueError(
            f"{entry!r} is not an origin: write scheme://host[:port], as in "
            "http://localhost:5173 (or * for any)"
        )
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:  # an IPv6 address keeps its brackets
        netloc = f"[{parts.hostname}]" + ("" if port in (None, default) else f":{port}")
    return f"{parts.scheme}://{netloc}"


def environment_name(field: str) -> str:
    """The environment variable that sets the setting `field`."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"{Settings.model_config.get('env_prefix', '')}{field.upper()}"


def configuration_problems(error: ValidationError) -> list[str]:
    """Each problem of a failed `Settings()`, named by the environment variable to fix."""
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        if name in Settings.model_fields:
            name = environment_name(name)
        problems.append(f"{name}: {item['msg']}" if name else item["msg"])
    return problems


def _delays(text: str) -> tuple[float, ...]:
    try:
        delays = tuple(float(part) for part in _listed(text))
    except ValueError:
        raise ValueError("must be seconds separated by commas") from None
    if any(delay < 0 for delay in delays):
        raise ValueError("a delay cannot be negative")
    return delays
