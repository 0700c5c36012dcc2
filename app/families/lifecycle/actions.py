"""CTO.ai lifecycle events: the documented `event_name`s and the actions each allows.

Any other `event_name` is a custom event and takes any action.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["LIFECYCLE_ACTIONS", "canonical_lifecycle_name"]

_ACTIONS: dict[str, tuple[str, ...]] = {
    "change": ("initiated", "succeeded", "failed", "recovered"),
    "ticket": ("initiated", "todo", "inprogress", "readyforreview", "done"),
    "commit": ("initiated", "succeeded", "failed"),
    "pipeline": ("initiated", "succeeded", "failed"),
    "review": ("initiated", "succeeded", "failed"),
    "approval": ("initiated", "succeeded", "failed"),
    "clone": ("initiated", "succeeded", "failed"),
    "build": ("initiated", "succeeded", "failed"),
    "lint": ("initiated", "warning", "succeeded", "failed"),
    "test": ("initiated", "succeeded", "failed"),
    "unittest": ("initiated", "succeeded", "failed"),
    "e2e_test": ("initiated", "succeeded", "failed"),
    "performance_test": ("initiated", "succeeded", "failed"),
    "security_audit": ("initiated", "succeeded", "failed"),
    "licensing_audit": ("initiated", "succeeded", "failed"),
    "artifact_storage": ("initiated", "succeeded", "failed"),
    # The docs list no actions for deployment; its example uses `initiated`, and deployment
    # outcomes are what delivery metrics count, so it takes the usual three.
    "deployment": ("initiated", "succeeded", "failed"),
    "release": ("initiated", "succeeded", "failed"),
    "support_request": ("opened", "updated", "resolved"),
    "incident": ("initiated", "succeeded", "failed"),
    "recovery": ("initiated", "succeeded", "failed"),
}

LIFECYCLE_ACTIONS = MappingProxyType(_ACTIONS)


def canonical_lifecycle_name(name: str) -> str | None:
    """The documented name that `name` spells (case-insensitively), or None for a custom one."""
    key = name.strip().lower()
    return key if key in _ACTIONS else None
