"""Data-protection requests for administrators: the page /admin/privacy and the REST calls
POST /api/privacy/export and POST /api/privacy/erase. A contact is named by channel and
chat id, or by phone number; an export is a JSON download of everything we store about
them, an erasure removes it from the database, Redis and the CRM (bot/privacy_service.py).
Both are recorded in the audit log, without the personal data itself."""

from __future__ import annotations

import json
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, RootModel

from bot.privacy import Erasure, Subject
from bot.privacy_service import PrivacyService
from bot.web.auth import Role, StaffUser, require_role
from bot.web.sessions import form_field
from bot.web.templates import render
from faq.api import ApiError, json_response, read_body
from faq.openapi import ApiPart, operation

PRIVACY = web.AppKey("privacy", PrivacyService)
PAGE = "/admin/privacy"
API = "/api/privacy"
CHANNELS = ("telegram", "whatsapp")


class ByChat(BaseModel):
    """A chat: the channel and the contact's id on it."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal["telegram", "whatsapp"]
    chat_id: str = Field(pattern=r"^[A-Za-z0-9_.:@+-]{1,64}$")


class ByPhone(BaseModel):
    """A phone number in E.164 (the + may be left out); the console's form takes any
    notation."""

    model_config = ConfigDict(extra="forbid")

    phone: str = Field(pattern=r"^\+?[1-9][0-9]{5,14}$")


class SubjectBody(RootModel[ByChat | ByPhone]):
    """Whose data: a chat, or a phone number (all their chats)."""

    def subject(self) -> Subject:
        """The contact named (the patterns leave nothing for Subject to refuse)."""
        if isinstance(self.root, ByPhone):
            return Subject.of_phone(self.root.phone)
        return Subject.of_chat(self.root.channel, self.root.chat_id)


class ErasureOut(BaseModel):
    """What an erasure removed (counts only)."""

    contacts: int
    conversations: int
    messages: int
    media_files: int
    handoffs_closed: int
    redis_entries: int
    crm_told: bool


_EXPORT_SCHEMA = {
    "type": "object",
    "required": ["exported_at", "contacts", "customers", "state"],
    "properties": {
        "exported_at": {"type": "string", "format": "date-time"},
        "contacts": {"type": "array", "items": {"type": "object"}},
        "customers": {"type": "array", "items": {"type": "object"}},
        "state": {"type": "object"},
    },
}


def _api_paths() -> dict[str, Any]:
    export = operation(
        "Export a contact's data",
        ("200", "ErasureOut"),
        body="SubjectBody",
        role="admin",
        tag="privacy",
    )
    export["responses"]["200"] = {
        "description": "Everything stored about the contact: their identities, conversations "
        "with messages, handoffs and notes, the customer accounts they were verified as and "
        "the dialogue state. Recorded in the audit log.",
        "content": {"application/json": {"schema": _EXPORT_SCHEMA}},
    }
    erase = operation(
        "Erase a contact", ("200", "ErasureOut"), body="SubjectBody", role="admin", tag="privacy"
    )
    return {f"{API}/export": {"post": export}, f"{API}/erase": {"post": erase}}


PRIVACY_API = ApiPart(_api_paths(), inputs=(SubjectBody,), outputs=(ErasureOut,))


def setup_privacy(app: web.Application) -> None:
    """Mount the page and the API; `app[PRIVACY]` must be set before the first request."""
    app.router.add_get(PAGE, privacy_page)
    app.router.add_post(f"{PAGE}/export", export_download)
    app.router.add_post(f"{PAGE}/erase", erase_contact)
    app.router.add_post(f"{API}/export", api_export)
    app.router.add_post(f"{API}/erase", api_erase)


def subject_of(channel: str, chat_id: str, phone: str) -> Subject:
    """The contact a form or body names; ValueError unless exactly one way is given."""
    if phone.strip() and chat_id.strip():
        raise ValueError("name either a chat or a phone number, not both")
    if phone.strip():
        return Subject.of_phone(phone)
    if chat_id.strip():
        return Subject.of_chat(channel, chat_id)
    raise ValueError("name a chat (channel and chat id) or a phone number")


def _page(
    request: web.Request,
    *,
    problem: str = "",
    erased: Erasure | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    return render(
        request,
        "admin_privacy.html",
        status=status,
        channels=CHANNELS,
        problem=problem,
        erased=erased,
        form=form or {},
    )


def _form_subject(form: dict[str, str]) -> Subject:
    return subject_of(form["channel"], form["chat_id"], form["phone"])


async def _read_form(request: web.Request) -> dict[str, str]:
    posted = await request.post()
    return {name: form_field(posted, name) for name in ("channel", "chat_id", "phone", "confirm")}


@require_role(Role.ADMIN)
async def privacy_page(request: web.Request) -> web.StreamResponse:
    """The two forms: export a contact's data, erase it."""
    return _page(request)


@require_role(Role.ADMIN)
async def export_download(request: web.Request) -> web.StreamResponse:
    """Everything stored about the contact, as a JSON file."""
    form = await _read_form(request)
    try:
        subject = _form_subject(form)
    except ValueError:
        return _page(request, problem="privacy.name_contact", form=form, status=422)
    user: StaffUser = request["user"]
    exported = await request.app[PRIVACY].export(subject, user.username)
    return web.Response(
        text=json.dumps(exported.document(), ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="privacy-export.json"'},
    )


@require_role(Role.ADMIN)
async def erase_contact(request: web.Request) -> web.StreamResponse:
    """Erase the contact everywhere, once the admin has confirmed it."""
    form = await _read_form(request)
    try:
        subject = _form_subject(form)
    except ValueError:
        return _page(request, problem="privacy.name_contact", form=form, status=422)
    if form["confirm"] != "yes":
        return _page(request, problem="privacy.confirm_needed", form=form, status=422)
    user: StaffUser = request["user"]
    erasure = await request.app[PRIVACY].erase(subject, user.username)
    return _page(request, erased=erasure)


async def _api_subject(request: web.Request) -> tuple[StaffUser, Subject]:
    """The logged-in admin and the contact the JSON body names (else a JSON error)."""
    user = request.get("user")
    if not isinstance(user, StaffUser):
        raise ApiError(401, "not_logged_in", "log in first")
    if not user.role.allows(Role.ADMIN):
        raise ApiError(403, "forbidden", "needs the admin role")
    body = await read_body(request, SubjectBody)
    return user, body.subject()


async def api_export(request: web.Request) -> web.Response:
    """Everything stored about the contact (admins only)."""
    try:
        user, subject = await _api_subject(request)
    except ApiError as error:
        return error.response
    exported = await request.app[PRIVACY].export(subject, user.username)
    return web.json_response(exported.document())


async def api_erase(request: web.Request) -> web.Response:
    """Erase the contact everywhere (admins only)."""
    try:
        user, subject = await _api_subject(request)
    except ApiError as error:
        return error.response
    erasure = await request.app[PRIVACY].erase(subject, user.username)
    return json_response(
        ErasureOut(
            contacts=erasure.contacts,
            conversations=erasure.conversations,
            messages=erasure.messages,
            media_files=erasure.media_files,
            handoffs_closed=erasure.handoffs_closed,
            redis_entries=erasure.redis_entries,
            crm_told=erasure.crm_told,
        )
    )
