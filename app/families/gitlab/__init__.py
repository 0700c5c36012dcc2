"""GitLab's webhook deliveries: the kinds typed and their payloads (`payloads`), the delivery
into an event (`intake`: GitLab's three ways of writing a time), the webhook (`webhook`: secret
tokens, delivery keys) and the family's declaration (`family`)."""

from app.families.gitlab.family import FAMILY

__all__ = ["FAMILY"]
