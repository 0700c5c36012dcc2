"""The context every resolver gets: the services and who is calling."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from app.context import Caller
from app.services import Services

__all__ = ["GraphQLContext", "Info"]


@dataclass(frozen=True)
class GraphQLContext:
    services: Services
    caller: Caller


Info = strawberry.Info[GraphQLContext, None]
