"""Events out: webhooks the store sends itself, signed per Standard Webhooks, in order per
webhook, at least once (docs/webhooks.md)."""
