"""The lifecycle events the DORA metrics read, by (event name, action).

Here, apart from the metrics, so the store's delivery read model keeps exactly these kinds
without depending on the metrics themselves.
"""

from __future__ import annotations

__all__ = [
    "CHANGE_STARTS",
    "DELIVERY_TYPES",
    "DEPLOYED",
    "DEPLOYMENT_FAILED",
    "INCIDENT_OPENED",
    "RESTORED",
]

DEPLOYED = ("deployment", "succeeded")
DEPLOYMENT_FAILED = ("deployment", "failed")
CHANGE_STARTS = ("commit", "change")  # event names, any action
INCIDENT_OPENED = ("incident", "initiated")
RESTORED = (("incident", "succeeded"), ("recovery", "succeeded"))

# Every event name above: the delivery read model keeps these lifecycle events (any action).
DELIVERY_TYPES = frozenset(
    {DEPLOYED[0], DEPLOYMENT_FAILED[0], *CHANGE_STARTS, INCIDENT_OPENED[0]}
    | {name for name, _ in RESTORED}
)
