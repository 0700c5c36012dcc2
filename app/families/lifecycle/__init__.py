"""CTO.ai lifecycle events: the documented names and their actions (`actions`), the body
(`body`), its intake (`intake`) and the family's declaration (`family`)."""

from app.families.lifecycle.family import FAMILY

__all__ = ["FAMILY"]
