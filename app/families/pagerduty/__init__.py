"""PagerDuty's v3 webhooks: the incident events typed and their payloads (`payloads`), the
webhook's body into an event (`intake`), the webhook (`webhook`: signatures during rotation,
event ids) and the family's declaration (`family`)."""

from app.families.pagerduty.family import FAMILY

__all__ = ["FAMILY"]
