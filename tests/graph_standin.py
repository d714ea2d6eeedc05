"""A local stand-in of the WhatsApp Cloud API (Graph API), so that GraphClient, WhatsAppSender,
WhatsAppMedia and the webhook are tested over real HTTP against Meta's rules.

    POST /{version}/{phone-number-id}/messages   send a message, or mark one as read
    GET  /{version}/{media-id}                   where a customer's media can be downloaded
    GET  /media-download/{media-id}              the media's bytes (same bearer token)

Every request is recorded and needs `Authorization: Bearer <token>` (else 401, code 190). A
send is checked against the limits Meta documents (`send_problems`); one that breaks them is
answered as Meta does (HTTP 400, code 100 "Invalid parameter") and kept in `violations`,
which tests assert to be empty. Accepted sends answer in the shape of
fixtures/whatsapp/responses/ with a fresh wamid.

The 24-hour window is Meta's, not ours: tests tell the stand-in when a customer wrote
(`customer_wrote`). A free-form message outside it is accepted (200 and a wamid) exactly as
the Cloud API does, and fails later: a `failed` status with error 131047 is queued, and
`push_statuses` delivers it to our webhook, signed with X-Hub-Signature-256 like Meta's own
deliveries. `fail_next` makes the next sends answer with a Meta error code (or a plain 500).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.channels.whatsapp_client import GraphConfig
from tests.net import serve

RESPONSES = Path(__file__).resolve().parent / "fixtures" / "whatsapp" / "responses"
STANDIN_TOKEN = "standin-graph-token-EAAGm0PX4ZCpsBA"
STANDIN_APP_SECRET = "standin-app-secret"
STANDIN_VERIFY_TOKEN = "standin-verify-token"
# The business number of the pywa fixtures, so recorded payloads and built ones agree.
STANDIN_PHONE_NUMBER_ID = "1122334455667"
STANDIN_DISPLAY_NUMBER = "972123456789"
STANDIN_WABA_ID = "1234567890987654321"
GRAPH_VERSION = "v21.0"
# Meta's rule, written down here on its own: the stand-in must not share the code under test.
WINDOW_SECONDS = 24 * 3600
FREE_FORM_TYPES = frozenset({"text", "interactive"})
ERROR_TITLES = {
    1: "An unknown error occurred",
    100: "Invalid parameter",
    190: "Access token has expired",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131051: "Unsupported message type",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
}
RE_ENGAGEMENT_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number."
)
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
_DIGITS = re.compile(r"^[0-9]{5,15}$")


# ---------------------------------------------------------------------------- request shapes


def _string(value: object, where: str, low: int, high: int) -> list[str]:
    if not isinstance(value, str):
        return [f"{where} must be a string"]
    if not low <= len(value) <= high:
        return [f"{where} must have {low}..{high} characters, has {len(value)}"]
    return []


def _get(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _unique(ids: list[object], where: str) -> list[str]:
    return [] if len(set(map(str, ids))) == len(ids) else [f"{where} must be unique: {ids}"]


def _text_problems(text: object) -> list[str]:
    problems = _string(_get(text, "body"), "text.body", 1, 4096)
    preview = _get(text, "preview_url")
    if preview is not None and not isinstance(preview, bool):
        problems.append("text.preview_url must be a boolean")
    return problems


def _button_problems(interactive: Mapping[str, Any]) -> list[str]:
    problems = _string(_get(interactive.get("body"), "text"), "interactive.body.text", 1, 1024)
    buttons = _get(interactive.get("action"), "buttons")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return [*problems, "interactive.action.buttons must be a list of 1..3 buttons"]
    ids: list[object] = []
    for index, button in enumerate(buttons):
        where = f"interactive.action.buttons[{index}]"
        if _get(button, "type") != "reply":
            problems.append(f"{where}.type must be 'reply'")
        reply = _get(button, "reply")
        problems += _string(_get(reply, "id"), f"{where}.reply.id", 1, 256)
        problems += _string(_get(reply, "title"), f"{where}.reply.title", 1, 20)
        ids.append(_get(reply, "id"))
    return problems + _unique(ids, "reply button ids")


def _list_problems(interactive: Mapping[str, Any]) -> list[str]:
    problems = _string(_get(interactive.get("body"), "text"), "interactive.body.text", 1, 4096)
    action = interactive.get("action")
    problems += _string(_get(action, "button"), "interactive.action.button", 1, 20)
    sections = _get(action, "sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
        return [*problems, "interactive.action.sections must be a list of 1..10 sections"]
    ids: list[object] = []
    for number, section in enumerate(sections):
        where = f"interactive.action.sections[{number}]"
        title = _get(section, "title")
        if title is not None or len(sections) > 1:  # required once there are several
            problems += _string(title, f"{where}.title", 1, 24)
        rows = _get(section, "rows")
        if not isinstance(rows, list) or not rows:
            problems.append(f"{where}.rows must be a non-empty list")
            continue
        for index, row in enumerate(rows):
            problems += _string(_get(row, "id"), f"{where}.rows[{index}].id", 1, 200)
            problems += _string(_get(row, "title"), f"{where}.rows[{index}].title", 1, 24)
            if _get(row, "description") is not None:
                problems += _string(
                    _get(row, "description"), f"{where}.rows[{index}].description", 0, 72
                )
            ids.append(_get(row, "id"))
    if len(ids) > 10:
        problems.append(f"a list message has at most 10 rows in all, this one {len(ids)}")
    return problems + _unique(ids, "list row ids")


def _interactive_problems(interactive: object) -> list[str]:
    if not isinstance(interactive, dict):
        return ["interactive must be an object"]
    kind = interactive.get("type")
    if kind == "button":
        return _button_problems(interactive)
    if kind == "list":
        return _list_problems(interactive)
    return [f"interactive.type {kind!r} is not button or list"]


def _template_problems(template: object) -> list[str]:
    if not isinstance(template, dict):
        return ["template must be an object"]
    problems = _string(template.get("name"), "template.name", 1, 512)
    problems += _string(_get(template.get("language"), "code"), "template.language.code", 2, 15)
    components = template.get("components", [])
    if not isinstance(components, list):
        return [*problems, "template.components must be a list"]
    for component in components:
        if _get(component, "type") != "body":
            continue
        parameters = _get(component, "parameters")
        if not isinstance(parameters, list):
            problems.append("template body parameters must be a list")
            continue
        for index, parameter in enumerate(parameters):
            where = f"template body parameter {index}"
            if _get(parameter, "type") != "text":
                problems.append(f"{where} must be of type text")
                continue
            text = _get(parameter, "text")
            problems += _string(text, f"{where}.text", 1, 1024)
            # Meta's error 132018: no new lines, tabs or more than four spaces in a row.
            if isinstance(text, str) and re.search(r"[\n\t]| {5,}", text):
                problems.append(f"{where}.text has new lines, tabs or 5+ spaces in a row")
    return problems


def message_problems(message: Mapping[str, Any]) -> list[str]:
    """What Meta would refuse in a message's content: its `type` and that type's object
    (what whatsapp_render produces, without the recipient)."""
    kind = message.get("type")
    check = {
        "text": _text_problems,
        "interactive": _interactive_problems,
        "template": _template_problems,
    }.get(kind if isinstance(kind, str) else "")
    if check is None:
        return [f"type must be text, interactive or template, not {kind!r}"]
    return check(message.get(str(kind)))


def send_problems(body: object) -> list[str]:
    """What Meta would refuse in a POST /messages body that sends a message."""
    if not isinstance(body, dict):
        return ["the body must be a JSON object"]
    problems = []
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product must be 'whatsapp'")
    if body.get("recipient_type", "individual") != "individual":
        problems.append("recipient_type must be 'individual'")
    to = body.get("to")
    if not isinstance(to, str) or not _DIGITS.match(to):
        problems.append(f"to must be the customer's number in digits, not {to!r}")
    return problems + message_problems(body)


# ------------------------------------------------------------------------------ the state


@dataclass(frozen=True, slots=True)
class GraphRequest:
    """One request as the stand-in received it."""

    method: str
    path: str
    authorization: str
    body: Any  # the parsed JSON body; None without one


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message Meta accepted (200 and a wamid), maybe failing later (`failed_code`)."""

    wamid: str
    to: str
    type: str
    body: dict[str, Any]
    at: float
    failed_code: int | None = None

    @property
    def text(self) -> str:
        """The words the customer reads: text body, interactive body or template parameter."""
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        components = self.body["template"].get("components", [])
        return " ".join(p["text"] for c in components for p in c.get("parameters", []))


@dataclass
class Fault:
    """The next `remaining` sends (of `types`; empty: any) answer with this Meta error code
    and HTTP status; code None: a plain 500 without Meta's error body."""

    code: int | None
    status: int
    remaining: int
    types: frozenset[str]


@dataclass(frozen=True, slots=True)
class Media:
    """A customer's file as Meta keeps it."""

    content: bytes
    mime_type: str


def fresh_wamid() -> str:
    """A message id in Meta's style (wamid. and base64), never seen before."""
    return (
        "wamid." + base64.b64encode(b"\x15\x02\x00\x11\x18\x12" + secrets.token_bytes(18)).decode()
    )


@dataclass
class GraphState:
    """Everything the stand-in knows; switches are read per request."""

    token: str = STANDIN_TOKEN
    phone_number_id: str = STANDIN_PHONE_NUMBER_ID
    clock: Callable[[], float] = time.time
    media_url_base: str = ""  # where media downloads point (empty: the stand-in itself)
    requests: list[GraphRequest] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    sent: list[SentMessage] = field(default_factory=list)
    read_marks: list[str] = field(default_factory=list)
    pending_statuses: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    last_customer_message: dict[str, float] = field(default_factory=dict)
    _reported: set[tuple[str, str]] = field(default_factory=set)
    _conversations: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def customer_wrote(self, wa_id: str, at: float | None = None) -> None:
        """The customer wrote to the business at `at` (now when omitted): their window opens."""
        self.last_customer_message[wa_id] = self.clock() if at is None else at

    def window_open(self, wa_id: str) -> bool:
        """Meta's view: free-form messages to this customer are delivered."""
        last = self.last_customer_message.get(wa_id)
        return last is not None and self.clock() - last < WINDOW_SECONDS

    def add_media(self, media_id: str, content: bytes, mime_type: str) -> None:
        """A file a customer sent, for the media lookup and its download."""
        self.media[media_id] = Media(content, mime_type)

    def fail_next(
        self, code: int | None, status: int = 400, count: int = 1, types: Iterable[str] = ()
    ) -> None:
        """The next `count` sends (of these message types) fail with Meta's error `code`."""
        self.faults.append(Fault(code, status, count, frozenset(types)))

    def messages_to(self, wa_id: str) -> list[SentMessage]:
        """What was accepted for one customer, in order."""
        return [m for m in self.sent if m.to == wa_id]

    def take_fault(self, message_type: str) -> Fault | None:
        """The fault that hits a send of this type now, if any (used up by one)."""
        for fault in self.faults:
            if fault.remaining > 0 and (not fault.types or message_type in fault.types):
                fault.remaining -= 1
                return fault
        return None

    def accept(self, body: dict[str, Any]) -> SentMessage:
        """Keep an accepted send; outside the window a free-form one fails later (131047)."""
        to, kind = str(body["to"]), str(body["type"])
        failed = kind in FREE_FORM_TYPES and not self.window_open(to)
        message = SentMessage(
            fresh_wamid(), to, kind, body, self.clock(), 131047 if failed else None
        )
        self.sent.append(message)
        if failed:
            self.pending_statuses.append(self._failed_status(message))
        return message

    def _failed_status(self, message: SentMessage) -> dict[str, Any]:
        title = ERROR_TITLES[131047]
        error = {
            "code": 131047,
            "title": title,
            "message": title,
            "error_data": {"details": RE_ENGAGEMENT_DETAILS},
            "href": ERROR_CODES_HREF,
        }
        return {
            "id": message.wamid,
            "status": "failed",
            "timestamp": str(int(self.clock())),
            "recipient_id": message.to,
            "errors": [error],
        }

    def _progress_status(self, message: SentMessage, state: str) -> dict[str, Any]:
        category = "utility" if message.type == "template" else "service"
        status: dict[str, Any] = {
            "id": message.wamid,
            "status": state,
            "timestamp": str(int(self.clock())),
            "recipient_id": message.to,
        }
        if state != "read":  # as recorded (pywa_status_delivered.json): read carries neither
            status["conversation"] = {
                "id": f"{next(self._conversations):030x}",
                "origin": {"type": category},
            }
            status["pricing"] = {"billable": True, "pricing_model": "CBP", "category": category}
        return status

    async def push_statuses(
        self,
        session: aiohttp.ClientSession,
        webhook_url: str,
        app_secret: str,
        *,
        progress: Sequence[str] = (),
    ) -> int:
        """POST the queued statuses (and `progress`, e.g. ("sent", "delivered", "read"), of
        the messages that did not fail) to our webhook in one signed delivery, as Meta does;
        the HTTP status (0: nothing to push). Only a 200 empties the queue: Meta retries."""
        statuses = list(self.pending_statuses)
        reported = []
        for message in self.sent:
            for state in progress if message.failed_code is None else ():
                if (message.wamid, state) not in self._reported:
                    statuses.append(self._progress_status(message, state))
                    reported.append((message.wamid, state))
        if not statuses:
            return 0
        status = await post_signed(
            session,
            webhook_url,
            webhook_body(_value(self.phone_number_id, statuses=statuses)),
            app_secret,
        )
        if status == 200:
            self.pending_statuses.clear()
            self._reported.update(reported)
        return status

    async def post_customer_message(
        self,
        session: aiohttp.ClientSession,
        webhook_url: str,
        app_secret: str,
        wa_id: str,
        text: str = "",
        *,
        button: tuple[str, str] | None = None,
        at: float | None = None,
    ) -> tuple[int, str]:
        """The customer writes (or presses a reply button): Meta opens their window and
        delivers the message to our webhook. (HTTP status, the message's wamid)."""
        at = self.clock() if at is None else at
        self.customer_wrote(wa_id, at)
        body = customer_message_body(
            wa_id, text, button=button, timestamp=at, phone_number_id=self.phone_number_id
        )
        return await post_signed(session, webhook_url, body, app_secret), first_message(body)["id"]


# --------------------------------------------------------------------- webhook deliveries


def meta_signature(app_secret: str, body: bytes) -> str:
    """X-Hub-Signature-256 as Meta computes it (written here again, not imported from bot)."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def encode(payload: Mapping[str, Any]) -> bytes:
    """A webhook body as Meta sends it: compact JSON, non-ASCII escaped."""
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def signed_headers(app_secret: str, body: bytes) -> dict[str, str]:
    """The headers of a Meta webhook delivery of these exact bytes."""
    return {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": meta_signature(app_secret, body),
        "User-Agent": "facebookexternalua",
    }


async def post_signed(
    session: aiohttp.ClientSession, url: str, payload: Mapping[str, Any], app_secret: str
) -> int:
    """Deliver a webhook body to `url` signed over the exact bytes posted; the HTTP status."""
    body = encode(payload)
    async with session.post(url, data=body, headers=signed_headers(app_secret, body)) as response:
        await response.read()
        return response.status


def _value(phone_number_id: str, **content: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": STANDIN_DISPLAY_NUMBER,
            "phone_number_id": phone_number_id,
        },
        **content,
    }


def webhook_body(*values: dict[str, Any]) -> dict[str, Any]:
    """The envelope of a delivery: one entry of the business account, a change per value."""
    changes = [{"value": value, "field": "messages"} for value in values]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": STANDIN_WABA_ID, "changes": changes}],
    }


def customer_message_body(
    wa_id: str,
    text: str = "",
    *,
    button: tuple[str, str] | None = None,
    name: str = "Test Name",
    message_id: str | None = None,
    timestamp: float | None = None,
    phone_number_id: str = STANDIN_PHONE_NUMBER_ID,
) -> dict[str, Any]:
    """A customer's text message, or (button=(id, title)) their press of a reply button, as
    Meta delivers it: metadata of our number, the contact's profile name, the message."""
    message: dict[str, Any] = {
        "from": wa_id,
        "id": message_id or fresh_wamid(),
        "timestamp": str(int(time.time() if timestamp is None else timestamp)),
    }
    if button is None:
        message |= {"type": "text", "text": {"body": text}}
    else:
        reply_id, title = button
        message["context"] = {"from": STANDIN_DISPLAY_NUMBER, "id": fresh_wamid()}
        message |= {
            "type": "interactive",
            "interactive": {
                "type": "button_reply",
                "button_reply": {"id": reply_id, "title": title},
            },
        }
    contacts = [{"profile": {"name": name}, "wa_id": wa_id}]
    return webhook_body(_value(phone_number_id, contacts=contacts, messages=[message]))


def first_message(body: Mapping[str, Any]) -> dict[str, Any]:
    """The first message of a delivery (to change its type in a test)."""
    message: dict[str, Any] = body["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


# ------------------------------------------------------------------------------ the server

_STATE_KEY = web.AppKey("graph_state", GraphState)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def meta_error(code: int, message: str, *, status: int, details: str = "") -> web.Response:
    """Meta's error body ({"error": {"message", "type", "code", ...}})."""
    error: dict[str, Any] = {
        "message": message if code == 190 else f"(#{code}) {message}",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + secrets.token_urlsafe(16),
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return web.json_response({"error": error}, status=status)


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")


@web.middleware
async def _gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[_STATE_KEY]
    given = request.headers.get("Authorization", "")
    body = _parse(await request.read())
    state.requests.append(GraphRequest(request.method, request.path, given, body))
    if not hmac.compare_digest(given.encode(), f"Bearer {state.token}".encode()):
        state.violations.append(f"{request.method} {request.path}: no valid bearer token")
        token = given.removeprefix("Bearer ").strip()
        # Meta names a token it cannot parse in its answer (react-native-fbsdk issue 220).
        message = f"Malformed access token {token}" if token else "Invalid OAuth access token"
        return meta_error(190, message, status=401)
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        state.violations.append(f"{request.method} {request.path}: no such Graph API call")
        return meta_error(100, f"Unsupported {request.method.lower()} request.", status=400)


def _invalid(state: GraphState, problems: list[str]) -> web.Response:
    state.violations += problems
    return meta_error(100, "Invalid parameter", status=400, details="; ".join(problems))


def _recorded(name: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads((RESPONSES / name).read_text(encoding="utf-8"))
    return answer


async def _messages(request: web.Request) -> web.Response:
    state = request.app[_STATE_KEY]
    number = request.match_info["phone_number_id"]
    if number != state.phone_number_id:
        return _invalid(state, [f"no phone number {number!r} on this business account"])
    body = state.requests[-1].body
    if isinstance(body, dict) and body.get("status") == "read":
        problems = [] if body.get("messaging_product") == "whatsapp" else ["messaging_product"]
        problems += _string(body.get("message_id"), "message_id", 1, 256)
        if problems:
            return _invalid(state, problems)
        state.read_marks.append(str(body["message_id"]))
        return web.json_response(_recorded("meta_docs_mark_as_read_response.json"))
    problems = send_problems(body)
    if problems or not isinstance(body, dict):
        return _invalid(state, problems)
    fault = state.take_fault(str(body["type"]))
    if fault is not None and fault.code is None:
        return web.Response(status=fault.status, text="Internal Server Error")
    if fault is not None and fault.code is not None:
        title = ERROR_TITLES.get(fault.code, "Error")
        return meta_error(fault.code, title, status=fault.status, details=title)
    sent = state.accept(body)
    answer = _recorded("meta_docs_send_message_response.json")
    answer["contacts"] = [{"input": sent.to, "wa_id": sent.to}]
    answer["messages"] = [{"id": sent.wamid}]
    if sent.type == "template":
        answer["messages"][0]["message_status"] = "accepted"
    return web.json_response(answer)


async def _media(request: web.Request) -> web.Response:
    state = request.app[_STATE_KEY]
    media_id = request.match_info["media_id"]
    media = state.media.get(media_id)
    if media is None:  # a fair question with a "no" for an answer, not a violation
        return meta_error(
            100, f"Unsupported get request. Object with ID '{media_id}' does not exist", status=400
        )
    base = state.media_url_base or str(request.url.origin())
    return web.json_response(
        {
            "messaging_product": "whatsapp",
            "url": f"{base}/media-download/{media_id}",
            "mime_type": media.mime_type,
            "sha256": hashlib.sha256(media.content).hexdigest(),
            "file_size": len(media.content),
            "id": media_id,
        }
    )


async def _download(request: web.Request) -> web.StreamResponse:
    state = request.app[_STATE_KEY]
    media = state.media.get(request.match_info["media_id"])
    if media is None:
        return web.Response(status=404)
    # Streamed in pieces, as a CDN sends a large file: a client must read to the end.
    response = web.StreamResponse(headers={"Content-Type": media.mime_type})
    response.content_length = len(media.content)
    await response.prepare(request)
    for start in range(0, len(media.content), 16 * 1024):
        await response.write(media.content[start : start + 16 * 1024])
    await response.write_eof()
    return response


def create_graph_app(state: GraphState) -> web.Application:
    """The stand-in as an aiohttp application."""
    app = web.Application(middlewares=[_gate])
    app[_STATE_KEY] = state
    version = r"{version:v[0-9]+\.[0-9]+}"
    app.router.add_get("/media-download/{media_id}", _download)  # before the media lookup
    app.router.add_post(f"/{version}/{{phone_number_id}}/messages", _messages)
    app.router.add_get(f"/{version}/{{media_id}}", _media)
    return app


@asynccontextmanager
async def serve_graph(state: GraphState) -> AsyncIterator[str]:
    """Serve the stand-in on 127.0.0.1 and yield its base URL."""
    async with serve(create_graph_app(state)) as url:
        yield url


def graph_config(base_url: str, **overrides: Any) -> GraphConfig:
    """The GraphConfig that fits the stand-in (tests override single settings)."""
    settings: dict[str, Any] = {
        "api_url": f"{base_url}/{GRAPH_VERSION}",
        "token": STANDIN_TOKEN,
        "phone_number_id": STANDIN_PHONE_NUMBER_ID,
    }
    return GraphConfig(**(settings | overrides))
