"""Who is calling. Every request carries a `Caller`; access rules read it in one place."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Caller"]


@dataclass(frozen=True)
class Caller:
    """The authenticated party behind a request.

    `team_id` None with `admin` means every team: the open access of a service configured
    without tokens.
    """

    team_id: str | None = None
    admin: bool = True

    @classmethod
    def open_access(cls) -> Caller:
        return cls(team_id=None, admin=True)
