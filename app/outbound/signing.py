"""The Standard Webhooks v1 signature of one request: HMAC-SHA256, keyed by the secret's bytes,
of `{webhook-id}.{webhook-timestamp}.{body}`, base64, after `v1,`; one per secret in use,
separated by spaces (while a rotated-out secret still signs beside the new one).

Written here rather than taken from the spec's library, which tests verify with: a receiver's
check against our signer is then a check of two implementations, not of one with itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from app.outbound.secrets import key_of

__all__ = ["signature_header"]


def signature_header(message_id: str, timestamp: int, body: bytes, secrets: Iterable[str]) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(key_of(secret), signed, hashlib.sha256).digest()).decode()
        for secret in secrets
    )
