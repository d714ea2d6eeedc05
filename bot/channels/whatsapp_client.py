"""A thin typed client of the WhatsApp Cloud API (Graph API) on our aiohttp session: send a
message, mark one as read, look up and download media. Errors keep Meta's error code, which
decides between retrying, a fallback and giving up (bot/channels/whatsapp_sender.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

# https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
RE_ENGAGEMENT = 131047  # more than 24 hours since the customer's last message: template only
THROUGHPUT = 130429  # the number's messages per second are exceeded
PAIR_RATE = 131056  # too many messages to this user in a short time
UNSUPPORTED_TYPE = 131051  # the message type is not supported (for this user)
ACCESS_TOKEN = 190  # the access token is invalid or expired
TRANSIENT_CODES = frozenset({THROUGHPUT, PAIR_RATE, 131000, 131016, 133004, 1, 2})
META_MEDIA_DOMAINS = (".fbsbx.com", ".facebook.com", ".whatsapp.net")


@dataclass(frozen=True, slots=True)
class GraphConfig:
    """Where the Graph API is and which number we send from."""

    api_url: str  # e.g. https://graph.facebook.com/v21.0
    token: str
    phone_number_id: str
    timeout_seconds: float = 10.0


class GraphApiError(Exception):
    """The Graph API refused a call; `code` is Meta's error code (0: none given)."""

    def __init__(self, message: str, *, code: int = 0, status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.status = status

    @property
    def transient(self) -> bool:
        """Worth trying again later: rate limits, Meta's own trouble, no connection."""
        return self.code in TRANSIENT_CODES or self.status >= 500 or self.status == 0


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Where a customer's media can be downloaded for a few minutes."""

    url: str
    mime_type: str


class GraphClient:
    """The calls servicebot makes; one aiohttp session, bearer token, no redirects."""

    def __init__(self, http: aiohttp.ClientSession, config: GraphConfig) -> None:
        self._http = http
        self._config = config
        self._timeout = aiohttp.ClientTimeout(total=config.timeout_seconds)

    async def send(self, message: dict[str, Any]) -> str:
        """POST /{phone-number-id}/messages; the new message's wamid."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", **message}
        answer = await self._call("POST", f"{self._config.phone_number_id}/messages", body)
        messages = answer.get("messages")
        if not isinstance(messages, list) or not messages or "id" not in messages[0]:
            raise GraphApiError("the send answer names no message id", status=200)
        return str(messages[0]["id"])

    async def mark_read(self, message_id: str) -> None:
        """Blue ticks for a customer's message."""
        body = {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}
        await self._call("POST", f"{self._config.phone_number_id}/messages", body)

    async def media(self, media_id: str) -> MediaInfo:
        """GET /{media-id}: the download URL (valid for minutes) and the type."""
        answer = await self._call("GET", media_id, None)
        url, mime = answer.get("url"), answer.get("mime_type", "application/octet-stream")
        if not isinstance(url, str) or not self._trusted(url):
            # The download carries our bearer token: never to a host that is not Meta's.
            raise GraphApiError("the media answer has no download URL of Meta's", status=200)
        return MediaInfo(url, str(mime))

    def _trusted(self, url: str) -> bool:
        """Meta's media hosts, or the host of the configured Graph API (a local stand-in)."""
        host, api = URL(url), URL(self._config.api_url)
        if host.origin() == api.origin():
            return True
        return host.scheme == "https" and (host.host or "").endswith(META_MEDIA_DOMAINS)

    async def download(self, url: str, max_bytes: int) -> bytes:
        """The media's bytes (the URL needs the same bearer token)."""
        try:
            async with self._http.get(
                url, headers=self._headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                if response.status != 200:
                    raise GraphApiError("media download refused", status=response.status)
                content = bytearray()
                async for chunk in response.content.iter_chunked(64 * 1024):
                    content += chunk
                    if len(content) > max_bytes:
                        raise GraphApiError("media larger than we keep", status=413)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise GraphApiError(f"media download failed: {type(error).__name__}") from None
        return bytes(content)

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._config.token}"}

    async def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        url = f"{self._config.api_url.rstrip('/')}/{path}"
        try:
            async with self._http.request(
                method,
                url,
                json=body,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                status = response.status
                try:
                    answer = await response.json(content_type=None)
                except ValueError:
                    answer = None  # a proxy's HTML page, an empty 500: the status says it
        except (aiohttp.ClientError, TimeoutError) as error:
            raise GraphApiError(f"Graph API not reachable: {type(error).__name__}") from None
        if status >= 400 or not isinstance(answer, dict):
            raise _error(answer, status, self._config.token)
        return answer


def _error(answer: object, status: int, token: str) -> GraphApiError:
    """Meta's {"error": {"message", "code", ...}} as a GraphApiError. Meta's message can
    quote the access token ("Malformed access token …"), which must never reach a log."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return GraphApiError(f"Graph API answered {status}", status=status or 500)
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) else 0
    title = str(error.get("error_user_title") or error.get("message") or "")
    if code == ACCESS_TOKEN:
        title = "the access token was refused"
    title = title.replace(token, "***")[:200] if token else title[:200]
    return GraphApiError(f"Graph API error {code}: {title}", code=code, status=status)
