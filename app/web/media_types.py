"""Reading media types from HTTP headers: a `Content-Type`, and what an `Accept` asks for.

The GraphQL view and the REST endpoints negotiate with these, so `q=0` or a parameter means
the same on every route.
"""

from __future__ import annotations

import contextlib

__all__ = ["accepted_quality", "media_type"]


def media_type(content_type: str | None) -> str:
    """The media type without parameters, lower-cased (RFC 2045: case-insensitive)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def accepted_quality(accept: str, wanted: str) -> float:
    """How much `accept` wants the media type `wanted` (its `q`, 0 to 1; 0 when not named)."""
    quality = 0.0
    for media_range in accept.split(","):
        kind, *params = (part.strip().lower() for part in media_range.split(";"))
        if kind != wanted:
            continue
        q = next((param[2:] for param in params if param.startswith("q=")), "1")
        with contextlib.suppress(ValueError):
            quality = float(q)
    return quality
