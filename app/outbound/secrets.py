"""Webhook secrets as Standard Webhooks writes them: `whsec_` and the base64 of random bytes
(24 to 64; we make 32), the HMAC key being the bytes themselves. A secret is shown once, when
it is made; the store keeps it to sign with, as every sender of symmetric signatures must."""

from __future__ import annotations

import base64
import secrets

__all__ = ["PREFIX", "key_of", "new_secret"]

PREFIX = "whsec_"
_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(_BYTES)).decode()


def key_of(secret: str) -> bytes:
    """The HMAC key a secret stands for."""
    return base64.b64decode(secret.removeprefix(PREFIX))
