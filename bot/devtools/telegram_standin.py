"""A local stand-in of the Telegram Bot API, for development and tests.

It answers the methods the bot uses with the real response shapes, records what the bot
sent, and delivers simulated customer updates to the registered webhook over HTTP with
the secret token, exactly as Telegram does."""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

STANDIN_TOKEN = "123456:STANDIN-development-token"  # noqa: S105  # the format PTB checks, never a real one
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Kramer Service",
    "username": "kramer_service_bot",
}


@dataclass
class ChatEntry:
    """One line of a chat as the stand-in saw it (either side)."""

    seq: int
    chat_id: int
    sender: str  # "customer" or "bot"
    text: str
    message_id: int
    buttons: list[dict[str, str]] = field(default_factory=list)
    parse_mode: str | None = None


@dataclass
class StandinState:
    """Everything the stand-in knows; tests read it directly or via /_standin/*."""

    token: str = STANDIN_TOKEN
    webhook_url: str = ""
    webhook_secret: str = ""
    chat: list[ChatEntry] = field(default_factory=list)
    callback_answers: list[str] = field(default_factory=list)
    faults: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id: (path, bytes)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # From the clock, like update ids: a restarted stand-in must not reuse the message ids
    # that earlier runs stored in the transcript (Telegram never reuses one in a chat).
    _message_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(time.time_ns() // 1_000_000)
    )
    # Update ids must keep growing across restarts: the webhook drops ids it has seen (dedup
    # lives in Redis, which outlives the stand-in), so start from the clock.
    _update_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(time.time_ns() // 1_000_000)
    )

    def bot_messages(self, chat_id: int | None = None) -> list[ChatEntry]:
        """What the bot sent, optionally to one chat."""
        return [e for e in self.chat if e.sender == "bot" and chat_id in (None, e.chat_id)]

    def record(self, chat_id: int, sender: str, text: str, **extra: Any) -> ChatEntry:
        """Append a chat line with fresh ids."""
        entry = ChatEntry(next(self._seq), chat_id, sender, text, next(self._message_ids), **extra)
        self.chat.append(entry)
        return entry

    def add_file(self, file_id: str, file_path: str, content: bytes) -> None:
        """A file a customer sent, for getFile and the download (e.g. "photos/file_1.jpg")."""
        self.files[file_id] = (file_path, content)

    def next_update_id(self) -> int:
        """Update ids increase, as Telegram's do."""
        return next(self._update_ids)

    def customer_update(self, chat_id: int, text: str) -> dict[str, Any]:
        """Record a customer's text message and return it as the update Telegram would post
        to a webhook (for drivers that play Telegram)."""
        entry = self.record(chat_id, "customer", text)
        return {
            "update_id": self.next_update_id(),
            "message": {
                "message_id": entry.message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "Kunde"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Kunde"},
                "text": text,
            },
        }


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(code: int, description: str, **extra: Any) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description, **extra}, status=code
    )


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB posts form fields (JSON-encoded values); other clients post JSON."""
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value)
        try:
            params[key] = json.loads(text)
        except json.JSONDecodeError:
            params[key] = text
    return params


def _buttons(markup: Any) -> list[dict[str, str]]:
    if not isinstance(markup, dict):
        return []
    inline = [
        {"text": str(b.get("text", "")), "callback_data": str(b.get("callback_data", ""))}
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]
    # Reply-keyboard buttons (e.g. "share my phone number") type their text or send a contact.
    typed = [
        {"text": str(b.get("text", "")), "request_contact": str(bool(b.get("request_contact")))}
        for row in markup.get("keyboard", [])
        for b in row
        if isinstance(b, dict)
    ]
    return inline + typed


class TelegramStandin:
    """The Bot API methods the bot uses: getMe, sendMessage, answerCallbackQuery, webhooks,
    getFile and the file download."""

    def __init__(self, state: StandinState) -> None:
        self.state = state

    async def method(self, request: web.Request) -> web.Response:
        """POST/GET /bot{token}/{method}."""
        if request.match_info["token"] != self.state.token:
            return _fail(401, "Unauthorized")
        name = request.match_info["method"].lower()
        params = await _params(request) if request.method == "POST" else dict(request.query)
        handler = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "answercallbackquery": self._answer_callback_query,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getfile": self._get_file,
        }.get(name)
        if handler is None:
            return _fail(404, "Not Found: method not found")
        return await handler(params)

    async def _get_me(self, _params: dict[str, Any]) -> web.Response:
        return _ok(BOT_USER)

    async def _send_message(self, params: dict[str, Any]) -> web.Response:
        if self.state.faults:
            status, body = self.state.faults.popleft()
            return web.json_response(body, status=status)
        text = str(params.get("text", ""))
        if not text or len(text) > 4096:
            return _fail(400, "Bad Request: message text is empty or too long")
        chat_id = int(params["chat_id"])
        entry = self.state.record(
            chat_id,
            "bot",
            text,
            buttons=_buttons(params.get("reply_markup")),
            parse_mode=params.get("parse_mode"),
        )
        return _ok(
            {
                "message_id": entry.message_id,
                "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": text,
            }
        )

    async def _answer_callback_query(self, params: dict[str, Any]) -> web.Response:
        self.state.callback_answers.append(str(params["callback_query_id"]))
        return _ok(True)

    async def _set_webhook(self, params: dict[str, Any]) -> web.Response:
        self.state.webhook_url = str(params["url"])
        self.state.webhook_secret = str(params.get("secret_token", ""))
        return _ok(True)

    async def _delete_webhook(self, _params: dict[str, Any]) -> web.Response:
        self.state.webhook_url = ""
        return _ok(True)

    async def _get_file(self, params: dict[str, Any]) -> web.Response:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.state.files:
            return _fail(400, "Bad Request: invalid file_id")
        path, content = self.state.files[file_id]
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(content),
                "file_path": path,
            }
        )

    async def download(self, request: web.Request) -> web.Response:
        """GET /file/bot{token}/{path}: the file's bytes, as api.telegram.org serves them."""
        if request.match_info["token"] != self.state.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        for file_path, content in self.state.files.values():
            if file_path == path:
                return web.Response(body=content, content_type="application/octet-stream")
        return web.Response(status=404)

    async def _get_webhook_info(self, _params: dict[str, Any]) -> web.Response:
        return _ok(
            {
                "url": self.state.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        )


async def deliver_update(
    session: aiohttp.ClientSession, state: StandinState, update: dict[str, Any]
) -> int:
    """POST an update to the registered webhook with the secret header; returns the status."""
    if not state.webhook_url:
        raise RuntimeError("no webhook registered with the stand-in")
    async with session.post(
        state.webhook_url,
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": state.webhook_secret},
    ) as response:
        return response.status


def create_standin_app(state: StandinState) -> web.Application:
    """The stand-in as an aiohttp app (mounted under /dev/telegram-api or served alone)."""
    standin = TelegramStandin(state)
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", standin.method)
    app.router.add_get("/file/bot{token}/{path:.+}", standin.download)
    return app
