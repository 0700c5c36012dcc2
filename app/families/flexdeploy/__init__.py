"""FlexDeploy event messages: the 31 documented types and their payloads (`payloads`), the
message body (`message`), its intake (`intake`) and the family's declaration (`family`)."""

from app.families.flexdeploy.family import FAMILY

__all__ = ["FAMILY"]
