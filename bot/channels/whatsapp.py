"""WhatsApp Cloud API webhook: GET answers Meta's verification handshake; POST verifies
X-Hub-Signature-256 over the raw body before reading it, parses every message and status of
the batch, dedups each on its id (Meta retries for days), queues them and answers 200."""

from __future__ import annotations

import hashlib
import hmac

import structlog
from aiohttp import web
from redis.exceptions import RedisError

from bot.channels.bodies import BodyTooLargeError, load_json, read_bounded, storable
from bot.channels.whatsapp_payloads import parse_webhook
from bot.channels.whatsapp_window import CustomerWindow
from bot.errors import PayloadError
from bot.inbound_queue import InboundQueue
from bot.messages import InboundKind

log = structlog.get_logger(__name__)
SIGNATURE_HEADER = "X-Hub-Signature-256"
# What the customer writes opens their 24-hour window; our statuses and their reactions do not.
NOT_OPENING = frozenset({InboundKind.STATUS, InboundKind.REACTION})


def signature(app_secret: str, body: bytes) -> str:
    """The header value Meta sends: "sha256=" + HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


class WhatsAppWebhook:
    """The aiohttp handlers of /webhooks/whatsapp."""

    def __init__(
        self,
        queue: InboundQueue,
        window: CustomerWindow,
        *,
        app_secret: str,
        verify_token: str,
        phone_number_id: str,
        max_body_bytes: int,
    ) -> None:
        if not app_secret or not verify_token:
            raise ValueError("the WhatsApp webhook needs the app secret and a verify token")
        self._queue = queue
        self._window = window
        self._app_secret = app_secret
        self._verify_token = verify_token
        self._phone_number_id = phone_number_id
        self._max_body_bytes = max_body_bytes

    async def verify(self, request: web.Request) -> web.Response:
        """GET: echo hub.challenge when Meta subscribes with our verify token."""
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), self._verify_token.encode()
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.Response(status=403, text="verification refused")

    async def handle(self, request: web.Request) -> web.Response:
        """POST: signed batches of messages and statuses."""
        try:
            body = await read_bounded(request, self._max_body_bytes)
        except BodyTooLargeError:
            return _error(413, f"body larger than {self._max_body_bytes} bytes")
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(given.encode(), signature(self._app_secret, body).encode()):
            return _error(401, "missing or wrong X-Hub-Signature-256")
        try:
            messages = parse_webhook(load_json(body), self._phone_number_id)
        except PayloadError as exc:
            return _error(400, str(exc))
        accepted = 0
        try:
            for message in map(storable, messages):
                accepted += await self._queue.accept(message)
                if message.kind not in NOT_OPENING:
                    await self._window.opened(message.chat_id, message.received_at)
        except RedisError:
            log.exception("enqueue_failed", channel="whatsapp")
            return _error(503, "temporarily unavailable, retry later")  # Meta will retry
        log.info("whatsapp_batch", messages=len(messages), accepted=accepted)
        return web.json_response({"ok": True, "accepted": accepted, "received": len(messages)})


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)
