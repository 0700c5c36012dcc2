"""Reading what a client sent into a `NewEvent`, or into errors naming every bad field: the
parts every family's intake shares (each family's own is in its folder, `app/families/`)."""

from app.intake.common import BodyFields, IntakeLimits

__all__ = ["BodyFields", "IntakeLimits"]
