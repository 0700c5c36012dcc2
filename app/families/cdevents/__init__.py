"""CDEvents 0.5.1: the spec's types and schemas (`types`, `content`, `schemas/`), the bodies
they come in (`body`), their intake (`intake`), the link from a deployment to its change
(`links`) and the family's declaration (`family`)."""

from app.families.cdevents.family import FAMILY

__all__ = ["FAMILY"]
