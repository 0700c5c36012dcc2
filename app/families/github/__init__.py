"""GitHub's webhook deliveries: the kinds typed and their payloads (`payloads`), the delivery
into an event (`intake`), the webhook (`webhook`: signatures, delivery ids, ping) and the
family's declaration (`family`)."""

from app.families.github.family import FAMILY

__all__ = ["FAMILY"]
