"""Signatures of the CRM webhook, both ways: HMAC-SHA256 over "<timestamp>.<raw body>" with
the shared secret, hex in `X-Servicebot-Signature: sha256=…`, the Unix timestamp in
`X-Servicebot-Timestamp`. The timestamp is signed too, so an old request cannot be replayed
with a fresh one; receivers refuse timestamps more than five minutes away."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Servicebot-Signature"
TIMESTAMP_HEADER = "X-Servicebot-Timestamp"
EVENT_HEADER = "X-Servicebot-Event"
DELIVERY_HEADER = "X-Servicebot-Delivery"  # the event's unique key, for the receiver's dedup
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    """A request signed with the secret within the tolerance (constant-time comparison)."""
    if not secret or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
