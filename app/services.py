"""What a running service is made of, built once at start-up and shared by every edge."""

from __future__ import annotations

from dataclasses import dataclass

from app.access.tokens import TokenRegistry
from app.config import Settings
from app.ingest.ingestor import Ingestor
from app.intake import IntakeLimits
from app.live.bus import EventBus
from app.live.dispatcher import LiveDispatcher
from app.outbound.runner import OutboundWebhooks
from app.store import EventStore

__all__ = ["Services"]


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: EventStore
    bus: EventBus
    ingestor: Ingestor
    dispatcher: LiveDispatcher
    tokens: TokenRegistry
    outbound: OutboundWebhooks

    @property
    def intake_limits(self) -> IntakeLimits:
        return self.ingestor.limits
