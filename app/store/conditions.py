"""Composing MongoDB conditions so they stay flat, the shape index ranges are planned from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["narrowed"]


def narrowed(match: Mapping[str, Any], path: str, operators: Mapping[str, Any]) -> dict[str, Any]:
    """`match` with `operators` on `path` required too, merged into it where they fit."""
    combined = dict(match)
    existing = combined.get(path)
    if existing is None:
        combined[path] = dict(operators)
    elif isinstance(existing, dict) and not existing.keys() & operators.keys():
        if all(key.startswith("$") for key in existing):
            combined[path] = {**existing, **operators}
        else:  # a literal document to compare with, not operators
            combined["$and"] = [*combined.get("$and", []), {path: dict(operators)}]
    else:
        combined["$and"] = [*combined.get("$and", []), {path: dict(operators)}]
    return combined
