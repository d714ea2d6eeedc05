"""A local stand-in of Chatwoot's Application API, so that ChatwootCrm is tested over real HTTP.

It keeps contacts (with their contact inboxes), conversations and messages in memory and
answers the endpoints a handoff needs in the shapes Chatwoot's published OpenAPI document
(tests/fixtures/chatwoot) gives:

    GET  /api/v1/accounts/{account_id}/contacts/search?q=&page=
    POST /api/v1/accounts/{account_id}/contacts
    DELETE /api/v1/accounts/{account_id}/contacts/{id}  (with its conversations)
    GET  /api/v1/accounts/{account_id}/contacts/{id}/conversations
    GET  /api/v1/accounts/{account_id}/conversations/{conversation_id}
    POST /api/v1/accounts/{account_id}/conversations
    POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/labels
    POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments
    POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages
    POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status

Every request is recorded and validated against the document with openapi-core (path,
method, parameters, body, the api_access_token security scheme): one it does not allow is
answered 400 and kept in `violations`, which tests assert to be empty. The stand-in's own
successful answers are validated too, so it cannot drift from the document unnoticed.
A wrong api_access_token or another account gets 401; `fail_next` makes calls fail.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import itertools
import json
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from openapi_core import OpenAPI
from openapi_core.contrib.aiohttp import AIOHTTPOpenAPIWebRequest, AIOHTTPOpenAPIWebResponse

from tests.net import serve

SPEC_FILE = Path(__file__).resolve().parent / "fixtures/chatwoot/chatwoot_application_swagger.json"
STANDIN_TOKEN = "standin-chatwoot-api-access-token"
STANDIN_ACCOUNT_ID = 7
STANDIN_INBOX_ID = 3  # the API-channel inbox servicebot's conversations go to
OTHER_INBOX_ID = 4  # a website inbox, for contacts that wrote there before
STANDIN_AGENT_ID = 1  # the user the token belongs to
PAGE_SIZE = 15  # Chatwoot's page size for contact search
MESSAGE_TYPES = {"incoming": 0, "outgoing": 1}  # the API takes names, answers numbers
ACCOUNT_PREFIX = "/api/v1/accounts/{account_id}"


@functools.cache
def chatwoot_openapi() -> OpenAPI:
    """Chatwoot's published document, loaded once, made loadable and matched to the stand-in."""
    document: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    # The published document references these two schemas but never defines them, and
    # openapi-core refuses a dangling $ref. Open objects accept whatever Chatwoot sends there
    # (inbox_contact: the inbox inside a contact inbox; portal_single: help-center portals).
    for missing in ("inbox_contact", "portal_single"):
        schemas.setdefault(missing, {"type": "object"})
    # The document names https://app.chatwoot.com/, but the stand-in listens on a free port
    # that changes per test, and openapi-core's aiohttp request reports its host URL without
    # the port, so no absolute server URL could match. A relative "/" makes openapi-core match
    # on the path alone, which is what the adapter's requests are checked for.
    document["servers"] = [{"url": "/"}]
    return OpenAPI.from_dict(document)


@dataclass
class ContactInbox:
    """A contact's presence in one inbox; conversations are opened with its source id."""

    inbox_id: int
    source_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Contact:
    """One Chatwoot contact."""

    id: int
    name: str
    identifier: str | None = None
    email: str | None = None
    phone_number: str | None = None
    additional_attributes: dict[str, Any] = field(default_factory=dict)
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    contact_inboxes: list[ContactInbox] = field(default_factory=list)
    created_at: int = field(default_factory=lambda: int(time.time()))


@dataclass
class Message:
    """One message of a conversation (a private note when `private`)."""

    id: int
    conversation_id: int
    content: str
    message_type: str  # "incoming" or "outgoing", as the API takes it
    private: bool
    created_at: int = field(default_factory=lambda: int(time.time()))


@dataclass
class Conversation:
    """One Chatwoot conversation."""

    id: int
    contact_id: int
    inbox_id: int
    source_id: str
    status: str = "open"
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    team_id: int | None = None
    assignee_id: int | None = None
    messages: list[Message] = field(default_factory=list)
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: int = field(default_factory=lambda: int(time.time()))


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the stand-in received it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any  # the parsed JSON body, None without one


@dataclass(frozen=True, slots=True)
class Violation:
    """A request the document does not allow, or an answer of the stand-in it does not."""

    side: str  # "request" or "response"
    method: str
    path: str
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Fault:
    """How one call is answered instead of being served."""

    status: int
    delay_seconds: float = 0.0


@dataclass
class ChatwootState:
    """The stand-in's account, data, records and failure switches (read per request)."""

    token: str = STANDIN_TOKEN
    account_id: int = STANDIN_ACCOUNT_ID
    inboxes: dict[int, str] = field(
        default_factory=lambda: {STANDIN_INBOX_ID: "servicebot", OTHER_INBOX_ID: "Website"}
    )
    teams: dict[int, str] = field(default_factory=lambda: {1: "Innendienst", 2: "Export"})
    contacts: dict[int, Contact] = field(default_factory=dict)
    conversations: dict[int, Conversation] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    # One sequence for all records, so that an adapter mixing up a contact id and a
    # conversation id hits nothing instead of the wrong record.
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))

    def next_id(self) -> int:
        """A fresh record id."""
        return next(self._ids)

    def fail_next(self, count: int, status: int, delay_seconds: float = 0.0) -> None:
        """Answer the next `count` calls with `status`, each after `delay_seconds`."""
        self.faults.extend(Fault(status, delay_seconds) for _ in range(count))

    def add_contact(self, name: str, identifier: str, inbox_id: int = STANDIN_INBOX_ID) -> Contact:
        """A contact that exists before the test (with a contact inbox in `inbox_id`)."""
        contact = Contact(
            self.next_id(), name, identifier, contact_inboxes=[ContactInbox(inbox_id)]
        )
        self.contacts[contact.id] = contact
        return contact

    def calls(self, method: str, endpoint: str) -> list[RecordedRequest]:
        """The recorded requests to one endpoint below the account, e.g. "/contacts"."""
        path = ACCOUNT_PREFIX.format(account_id=self.account_id) + endpoint
        return [r for r in self.requests if r.method == method and r.path == path]


STATE = web.AppKey("chatwoot_state", ChatwootState)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, description: str, errors: tuple[str, ...] = ()) -> web.Response:
    """An error in the document's bad_request_error shape."""
    body = {"description": description, "errors": [{"message": e} for e in errors]}
    return web.json_response(body, status=status)


def _described(error: Exception) -> str:
    """openapi-core's error with the JSON Schema errors behind it, one line."""
    causes = getattr(error.__cause__, "schema_errors", None) or []
    details = [f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in causes]
    return f"{type(error).__name__}: {'; '.join(details)}" if details else str(error)


def _fault_response(request: web.Request, fault: Fault) -> web.Response:
    if fault.status == 401:
        return _error(401, "Invalid Access Token")
    headers = {"Retry-After": "30"} if fault.status == 429 else {}
    # Rails' debug error page shows the request's headers, token included: a client must
    # never pass an error body on into its own messages.
    token = request.headers.get("api_access_token", "")
    text = f"error while serving {request.method} {request.path_qs} (api_access_token: {token})"
    return web.Response(status=fault.status, text=text, headers=headers)


def _record(state: ChatwootState, request: web.Request, raw: bytes) -> None:
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    query = dict(request.query)
    state.requests.append(RecordedRequest(request.method, request.path, query, parsed))


def _authorized(state: ChatwootState, request: web.Request) -> bool:
    """The account's token, for the account's paths (Chatwoot answers 401 to both)."""
    token = request.headers.get("api_access_token", "")
    account = request.match_info.get("account_id")
    right_token = hmac.compare_digest(token.encode(), state.token.encode())
    return right_token and account in (None, str(state.account_id))


def _check_answer(
    state: ChatwootState, request: AIOHTTPOpenAPIWebRequest, response: web.StreamResponse
) -> None:
    """Keep a successful answer the document does not describe as a violation."""
    # Error answers follow Chatwoot, which the document lists for some operations only.
    if not isinstance(response, web.Response) or response.status >= 300:
        return
    found = chatwoot_openapi().iter_response_errors(request, AIOHTTPOpenAPIWebResponse(response))
    if errors := tuple(map(_described, found)):
        state.violations.append(Violation("response", request.method.upper(), request.path, errors))


@web.middleware
async def _checked(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Record, validate against the document, inject faults, authenticate, then serve."""
    state = request.app[STATE]
    raw = await request.read()
    _record(state, request, raw)
    openapi_request = AIOHTTPOpenAPIWebRequest(request, body=raw or None)
    errors = tuple(map(_described, chatwoot_openapi().iter_request_errors(openapi_request)))
    if errors:
        state.violations.append(Violation("request", request.method, request.path_qs, errors))
        return _error(400, "the request does not match Chatwoot's OpenAPI document", errors)
    if state.faults:
        fault = state.faults.popleft()
        await asyncio.sleep(fault.delay_seconds)
        return _fault_response(request, fault)
    if not _authorized(state, request):
        return _error(401, "Invalid Access Token")
    response = await handler(request)
    _check_answer(state, openapi_request, response)
    return response


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Without the unset fields: where the document has no `nullable`, null is not allowed."""
    return {key: value for key, value in values.items() if value is not None}


def _inbox_json(state: ChatwootState, inbox_id: int) -> dict[str, Any]:
    name = state.inboxes.get(inbox_id, "")
    channel = "Channel::Api" if inbox_id == STANDIN_INBOX_ID else "Channel::WebWidget"
    return {"id": inbox_id, "name": name, "channel_type": channel, "channel_id": inbox_id}


def _contact_json(state: ChatwootState, contact: Contact) -> dict[str, Any]:
    """A contact as Chatwoot lists it, with its contact inboxes."""
    return _present(
        {
            "id": contact.id,
            "name": contact.name,
            "identifier": contact.identifier,
            "email": contact.email,
            "phone_number": contact.phone_number,
            "additional_attributes": contact.additional_attributes,
            "custom_attributes": contact.custom_attributes,
            "availability_status": "offline",
            "blocked": False,
            "thumbnail": "",
            "created_at": contact.created_at,
            "contact_inboxes": [
                {"source_id": ci.source_id, "inbox": _inbox_json(state, ci.inbox_id)}
                for ci in contact.contact_inboxes
            ],
        }
    )


def _message_json(
    state: ChatwootState, conversation: Conversation, message: Message
) -> dict[str, Any]:
    incoming = message.message_type == "incoming"
    return {
        "id": message.id,
        "content": message.content,
        "account_id": state.account_id,
        "inbox_id": conversation.inbox_id,
        "conversation_id": conversation.id,
        "message_type": MESSAGE_TYPES[message.message_type],
        "private": message.private,
        "status": "sent",
        "content_type": "text",
        "content_attributes": {},
        "created_at": message.created_at,
        "updated_at": message.created_at,
        "sender_type": "contact" if incoming else "agent",
        "sender_id": conversation.contact_id if incoming else STANDIN_AGENT_ID,
    }


def _conversation_json(state: ChatwootState, conversation: Conversation) -> dict[str, Any]:
    """A conversation as a contact's conversation list has it (with its last message)."""
    contact = state.contacts[conversation.contact_id]
    last = conversation.messages[-1:]
    sender = _contact_json(state, contact)
    del sender["contact_inboxes"]
    return {
        "id": conversation.id,
        "uuid": conversation.uuid,
        "account_id": state.account_id,
        "inbox_id": conversation.inbox_id,
        "status": conversation.status,
        "custom_attributes": conversation.custom_attributes,
        "additional_attributes": {},
        "labels": conversation.labels,
        "messages": [_message_json(state, conversation, m) for m in last],
        "can_reply": True,
        "muted": False,
        "unread_count": 0,
        "created_at": conversation.created_at,
        "last_activity_at": (last[0].created_at if last else conversation.created_at),
        "meta": {"sender": sender, "channel": "Channel::Api", "hmac_verified": False},
    }


def _state(request: web.Request) -> ChatwootState:
    return request.app[STATE]


def _conversation(request: web.Request) -> Conversation | None:
    return _state(request).conversations.get(int(request.match_info["conversation_id"]))


async def _search_contacts(request: web.Request) -> web.Response:
    """Chatwoot matches a part of name, e-mail, phone number or identifier, 15 a page."""
    state = _state(request)
    wanted = request.query.get("q", "").lower()
    page = int(request.query.get("page", "1"))
    found = [
        c
        for c in state.contacts.values()
        if (c.identifier or c.email or c.phone_number)  # only "resolved" contacts
        and any(
            wanted in (v or "").lower() for v in (c.name, c.email, c.phone_number, c.identifier)
        )
    ]
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return web.json_response(
        {
            "meta": {"count": len(found), "current_page": str(page)},
            "payload": [_contact_json(state, c) for c in shown],
        }
    )


async def _create_contact(request: web.Request) -> web.Response:
    state = _state(request)
    body: dict[str, Any] = await request.json()
    inbox_id = int(body["inbox_id"])
    if inbox_id not in state.inboxes:
        return _error(404, "inbox not found")
    identifier = body.get("identifier")
    if identifier and any(c.identifier == identifier for c in state.contacts.values()):
        # Chatwoot answers 422 here; the document lists 400 for a contact it cannot create.
        return _error(400, "Identifier has already been taken")
    contact = Contact(
        id=state.next_id(),
        name=body.get("name") or "",
        identifier=identifier,
        email=body.get("email"),
        phone_number=body.get("phone_number"),
        additional_attributes=body.get("additional_attributes") or {},
        custom_attributes=body.get("custom_attributes") or {},
        contact_inboxes=[ContactInbox(inbox_id)],
    )
    state.contacts[contact.id] = contact
    # The document's extended_contact: the contact in a one-element "payload" list.
    contact_json = _contact_json(state, contact)
    return web.json_response(
        {"id": contact.id, "availability_status": "offline", "payload": [contact_json]}
    )


async def _contact_conversations(request: web.Request) -> web.Response:
    state = _state(request)
    contact_id = int(float(request.match_info["id"]))  # the document types it `number`
    if contact_id not in state.contacts:
        return _error(404, "contact not found")
    listed = [c for c in state.conversations.values() if c.contact_id == contact_id]
    return web.json_response({"payload": [_conversation_json(state, c) for c in listed]})


async def _delete_contact(request: web.Request) -> web.Response:
    """Chatwoot deletes the contact's conversations with it."""
    state = _state(request)
    contact_id = int(float(request.match_info["id"]))
    if state.contacts.pop(contact_id, None) is None:
        return _error(404, "contact not found")
    for conversation in [c for c in state.conversations.values() if c.contact_id == contact_id]:
        del state.conversations[conversation.id]
    return web.Response(status=200)


async def _show_conversation(request: web.Request) -> web.Response:
    state, conversation = _state(request), _conversation(request)
    if conversation is None:
        return _error(404, "conversation not found")
    return web.json_response(_conversation_json(state, conversation))


async def _create_conversation(request: web.Request) -> web.Response:
    state = _state(request)
    body: dict[str, Any] = await request.json()
    inbox_id, source_id = int(body["inbox_id"]), str(body["source_id"])
    owner = next(
        (
            contact
            for contact in state.contacts.values()
            if any(
                ci.inbox_id == inbox_id and ci.source_id == source_id
                for ci in contact.contact_inboxes
            )
        ),
        None,
    )
    if owner is None:
        return _error(404, "no contact inbox with this source_id in this inbox")
    if body.get("contact_id") not in (None, owner.id):
        return _error(422, "the source_id belongs to another contact")
    conversation = Conversation(
        id=state.next_id(),
        contact_id=owner.id,
        inbox_id=inbox_id,
        source_id=source_id,
        status=body.get("status") or "open",
        custom_attributes=body.get("custom_attributes") or {},
        team_id=body.get("team_id"),
        assignee_id=body.get("assignee_id"),
    )
    state.conversations[conversation.id] = conversation
    return web.json_response(
        {"id": conversation.id, "account_id": state.account_id, "inbox_id": inbox_id}
    )


async def _get_labels(request: web.Request) -> web.Response:
    conversation = _conversation(request)
    if conversation is None:
        return _error(404, "conversation not found")
    return web.json_response({"payload": conversation.labels})


async def _set_labels(request: web.Request) -> web.Response:
    conversation = _conversation(request)
    if conversation is None:
        return _error(404, "conversation not found")
    body: dict[str, Any] = await request.json()
    conversation.labels = list(dict.fromkeys(body["labels"]))  # replaces, as Chatwoot does
    return web.json_response({"payload": conversation.labels})


async def _assign(request: web.Request) -> web.Response:
    state, conversation = _state(request), _conversation(request)
    if conversation is None:
        return _error(404, "conversation not found")
    body: dict[str, Any] = await request.json()
    if "assignee_id" in body:
        conversation.assignee_id = int(body["assignee_id"])
        return web.json_response({"id": conversation.assignee_id, "account_id": state.account_id})
    team_id = int(body.get("team_id", 0))
    if team_id not in state.teams:
        # Chatwoot would quietly clear the team; failing keeps a wrong team id visible.
        return _error(404, "team not found")
    conversation.team_id = team_id
    team = {"id": team_id, "name": state.teams[team_id], "account_id": state.account_id}
    return web.json_response(team)  # the team, though the document promises a user


async def _create_message(request: web.Request) -> web.Response:
    state, conversation = _state(request), _conversation(request)
    if conversation is None:
        return _error(404, "conversation not found")
    body: dict[str, Any] = await request.json()
    message = Message(
        id=state.next_id(),
        conversation_id=conversation.id,
        content=str(body["content"]),
        message_type=body.get("message_type") or "outgoing",
        private=bool(body.get("private", False)),
    )
    conversation.messages.append(message)
    return web.json_response(_message_json(state, conversation, message))


async def _toggle_status(request: web.Request) -> web.Response:
    conversation = _conversation(request)
    if conversation is None:
        return _error(404, "conversation not found")
    body: dict[str, Any] = await request.json()
    conversation.status = str(body["status"])
    # The document's current_status knows only open and resolved, so toggling to pending
    # would show up as a response violation.
    payload = {
        "success": True,
        "current_status": conversation.status,
        "conversation_id": conversation.id,
    }
    return web.json_response({"meta": {}, "payload": payload})


def create_chatwoot_app(state: ChatwootState) -> web.Application:
    """The stand-in as an aiohttp application."""
    app = web.Application(middlewares=[_checked])
    app[STATE] = state
    conversation = ACCOUNT_PREFIX + "/conversations/{conversation_id}"
    app.router.add_get(ACCOUNT_PREFIX + "/contacts/search", _search_contacts)
    app.router.add_post(ACCOUNT_PREFIX + "/contacts", _create_contact)
    app.router.add_get(ACCOUNT_PREFIX + "/contacts/{id}/conversations", _contact_conversations)
    app.router.add_delete(ACCOUNT_PREFIX + "/contacts/{id}", _delete_contact)
    app.router.add_get(conversation, _show_conversation)
    app.router.add_post(ACCOUNT_PREFIX + "/conversations", _create_conversation)
    app.router.add_get(conversation + "/labels", _get_labels)
    app.router.add_post(conversation + "/labels", _set_labels)
    app.router.add_post(conversation + "/assignments", _assign)
    app.router.add_post(conversation + "/messages", _create_message)
    app.router.add_post(conversation + "/toggle_status", _toggle_status)
    return app


@asynccontextmanager
async def serve_chatwoot(state: ChatwootState) -> AsyncIterator[str]:
    """Serve the stand-in on 127.0.0.1 and yield its base URL."""
    chatwoot_openapi()  # load the document before the first request's clock starts
    async with serve(create_chatwoot_app(state)) as url:
        yield url
