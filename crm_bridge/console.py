"""The agent console (/agent): the live queue, claiming, the conversation with its context
packet, replying into the customer's messenger, and resolving (which hands back to the bot
and asks the customer for a rating). Server-rendered; a server-sent event tells the open page
to refresh when something changed."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.errors import DeliveryError
from bot.messages import Channel, split_media
from bot.web.auth import Role, StaffUser, UserStore, require_role
from bot.web.params import whole_number
from bot.web.sessions import form_field
from bot.web.templates import (
    BUSINESS_TIMEZONE,
    local_time,
    render,
    request_language,
    translate,
)
from crm_bridge.agent_actions import AgentActions, ConversationGoneError, NoSenderError
from crm_bridge.context_packet import ContextPacket, ConversationHistory, build_context_packet
from crm_bridge.handoff import Handoff, HandoffDesk, HandoffState
from crm_bridge.media import INLINE_TYPES, MediaSource, MediaUnavailableError
from faq.editorial import SLUG_PATTERN
from faq.misses import SqlMisses
from faq.model import FaqEntryData
from faq.ports import FaqRepository
from orders.ports import OrderProvider, OrderSystemUnavailableError

EVENT_INTERVAL_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class ConsoleDeps:
    """What the console works with (opened with the web app's resources)."""

    desk: HandoffDesk
    history: ConversationHistory
    orders: OrderProvider
    actions: AgentActions  # replies into the messenger, resolve with the rating prompt
    media: Mapping[Channel, MediaSource]  # the files customers sent, per channel
    faq: FaqRepository  # the bot's answers, reusable as canned replies
    staff: UserStore  # colleagues to transfer a conversation to
    # A key account (tier A with an account manager) waits this long for its account
    # manager before every agent sees it.
    key_account_minutes: float = 5.0
    misses: SqlMisses | None = None  # where "wrong answer" flags go (the FAQ admin's inbox)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


CONSOLE = web.AppKey("console", ConsoleDeps)


def setup_console(app: web.Application) -> None:
    """Mount the console's routes; `app[CONSOLE]` must be set before the first request."""
    app.router.add_get("/agent", queue_page)
    app.router.add_get("/agent/events", events)
    handoff = "/agent/handoffs/{handoff_id:[0-9]{1,9}}"  # ids the database's integers hold
    app.router.add_post(f"{handoff}/claim", claim)
    app.router.add_get(handoff, conversation_page)
    app.router.add_post(f"{handoff}/reply", reply)
    app.router.add_post(f"{handoff}/resolve", resolve)
    app.router.add_post(f"{handoff}/transfer", transfer)
    app.router.add_post(f"{handoff}/note", note)
    app.router.add_get(f"{handoff}/media/{{entry_id:[0-9]{{1,9}}}}", media)
    app.router.add_post(f"{handoff}/flag/{{entry_id:[0-9]{{1,9}}}}", flag)


@require_role(Role.AGENT)
async def queue_page(request: web.Request) -> web.StreamResponse:
    """Waiting customers, best served first, and the agent's own conversations."""
    deps = request.app[CONSOLE]
    agents = await deps.staff.with_role(Role.AGENT)
    offered = [h for h in await deps.desk.queue() if await _offered_to(request, h, agents)]
    waiting = [await build_context_packet(h, deps.history, deps.orders) for h in offered]
    mine = await deps.desk.claimed_by(request["user"].username)
    own = [await build_context_packet(h, deps.history, deps.orders) for h in mine]
    return render(
        request,
        "agent_queue.html",
        waiting=[p for p in waiting if p is not None],
        own=[p for p in own if p is not None],
        request_taken="taken" in request.query,
    )


@require_role(Role.AGENT)
async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: "update" whenever the queue or the viewed conversation changes."""
    deps = request.app[CONSOLE]
    handoff_id = request.query.get("handoff", "")
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    agent = request["user"].username
    seen = await _fingerprint(deps, agent, handoff_id)
    while True:
        await asyncio.sleep(EVENT_INTERVAL_SECONDS)
        now = await _fingerprint(deps, agent, handoff_id)
        message = b"event: update\ndata: {}\n\n" if now != seen else b": still here\n\n"
        seen = now
        try:
            await response.write(message)
        except (ConnectionResetError, RuntimeError):
            return response


@require_role(Role.AGENT)
async def claim(request: web.Request) -> web.StreamResponse:
    """Take a waiting customer (the first click wins)."""
    deps = request.app[CONSOLE]
    handoff = await deps.desk.get(int(request.match_info["handoff_id"]))
    if handoff is None or handoff.state is not HandoffState.QUEUED:
        raise web.HTTPSeeOther("/agent?taken=1")
    if not await _offered_to(request, handoff, await deps.staff.with_role(Role.AGENT)):
        raise web.HTTPNotFound(text="reserved for the customer's account manager")
    if not await deps.desk.claim(handoff.id, request["user"].username):
        raise web.HTTPSeeOther("/agent?taken=1")
    raise web.HTTPSeeOther(f"/agent/handoffs/{handoff.id}")


@require_role(Role.AGENT)
async def conversation_page(request: web.Request) -> web.StreamResponse:
    """The conversation with its context packet and the reply box."""
    deps = request.app[CONSOLE]
    handoff = await _handoff(deps, request)
    packet = await build_context_packet(handoff, deps.history, deps.orders)
    if packet is None:
        raise web.HTTPNotFound(text="conversation not found")
    mine = handoff.state is HandoffState.AGENT and handoff.agent == request["user"].username
    search = request.query.get("q", "").strip()
    language = handoff.request.language
    canned = await _canned_replies(deps.faq, language, search) if search else []
    wanted = request.query.get("insert", "")  # a slug, or nothing to look up
    inserted = await deps.faq.get(wanted, language) if SLUG_PATTERN.fullmatch(wanted) else None
    return render(
        request,
        "agent_conversation.html",
        packet=packet,
        reply_window=reply_window(packet, deps.clock(), request_language(request)),
        mine=mine,
        search=search,
        canned=canned,
        draft=inserted.answer if inserted else "",
        colleagues=await _colleagues(deps, request["user"], language),
        flagged=_number(request.query.get("flagged", "")),
    )


@require_role(Role.AGENT)
async def reply(request: web.Request) -> web.StreamResponse:
    """The agent's message goes to the customer's messenger and into the transcript."""
    deps = request.app[CONSOLE]
    handoff = await _owned(deps, request)
    body = form_field(await request.post(), "text").strip()
    if body:
        async with _delivering():
            await deps.actions.reply(handoff, request["user"].username, body)
    raise web.HTTPSeeOther(f"/agent/handoffs/{handoff.id}")


@require_role(Role.AGENT)
async def resolve(request: web.Request) -> web.StreamResponse:
    """Done: the bot answers again and asks the customer how it went."""
    deps = request.app[CONSOLE]
    handoff = await _owned(deps, request)
    async with _delivering():
        await deps.actions.resolve(handoff)
    raise web.HTTPSeeOther("/agent")


@require_role(Role.AGENT)
async def note(request: web.Request) -> web.StreamResponse:
    """An internal note for colleagues (e.g. before a transfer); the customer never sees it."""
    deps = request.app[CONSOLE]
    handoff = await _owned(deps, request)
    body = form_field(await request.post(), "text").strip()
    if body:
        author = request["user"].display_name
        await deps.history.add_note(handoff.request.conversation_id, author, body[:4000])
    raise web.HTTPSeeOther(f"/agent/handoffs/{handoff.id}")


@require_role(Role.AGENT)
async def media(request: web.Request) -> web.StreamResponse:
    """A file the customer sent, fetched from their messenger for this agent. Shown inline
    only for harmless types, and never as a page that could run scripts."""
    deps = request.app[CONSOLE]
    handoff = await _handoff(deps, request)
    conversation = handoff.request.conversation_id
    sent = await deps.history.media_of(conversation, int(request.match_info["entry_id"]))
    found = split_media(sent or "")
    info = await deps.history.conversation(conversation)
    source = deps.media.get(Channel(info.channel)) if info else None
    if found is None or source is None:
        raise web.HTTPNotFound(text="no such file in this conversation")
    try:
        file = await source.fetch(found[1])
    except MediaUnavailableError as error:
        raise web.HTTPBadGateway(text="the messenger did not hand out the file") from error
    inline = file.content_type in INLINE_TYPES
    disposition = "inline" if inline else "attachment"
    return web.Response(
        body=file.content,
        content_type=file.content_type if inline else "application/octet-stream",
        headers={
            "Content-Disposition": f'{disposition}; filename="{_safe_name(file.filename)}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def reply_window(packet: ContextPacket, now: datetime, language: str) -> str:
    """WhatsApp's 24-hour window as the agent needs to know it; empty on other channels."""
    closes = packet.reply_window_closes_at
    if closes is None:
        return ""
    left = closes - now
    if left <= timedelta(0):
        return translate("window.closed", language)
    minutes = int(left.total_seconds() // 60)
    return translate(
        "window.open",
        language,
        hours=minutes // 60,
        minutes=minutes % 60,
        until=f"{closes.astimezone(BUSINESS_TIMEZONE):%d.%m.} {local_time(closes)}",
    )


def _safe_name(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "._-")[:100] or "file"


@require_role(Role.AGENT)
async def transfer(request: web.Request) -> web.StreamResponse:
    """Give the conversation to a colleague (who then finds it under their conversations)."""
    deps = request.app[CONSOLE]
    handoff = await _owned(deps, request)
    to_agent = form_field(await request.post(), "to")
    colleagues = await _colleagues(deps, request["user"], handoff.request.language)
    if to_agent not in {colleague.username for colleague in colleagues}:
        raise web.HTTPBadRequest(text="no such colleague for the customer's language")
    await deps.desk.transfer(handoff.id, request["user"].username, to_agent)
    raise web.HTTPSeeOther("/agent")


async def _canned_replies(faq: FaqRepository, language: str, search: str) -> list[FaqEntryData]:
    """FAQ answers in the customer's language whose question, answer or examples mention
    every searched word."""
    words = search.casefold().split()
    found = []
    for entry in await faq.all_entries():
        haystack = " ".join((entry.question, entry.answer, *entry.examples)).casefold()
        if entry.language == language and all(word in haystack for word in words):
            found.append(entry)
    return found[:10]


@contextlib.asynccontextmanager
async def _delivering() -> AsyncIterator[None]:
    """What the agent sees when their message could not reach the customer."""
    try:
        yield
    except ConversationGoneError as error:
        raise web.HTTPNotFound(text="conversation not found") from error
    except NoSenderError as error:
        raise web.HTTPServiceUnavailable(text=f"no messenger configured for {error}") from error
    except DeliveryError as error:
        raise web.HTTPBadGateway(text="the messenger did not take the message") from error


async def _handoff(deps: ConsoleDeps, request: web.Request) -> Handoff:
    handoff = await deps.desk.get(int(request.match_info["handoff_id"]))
    visible = handoff is not None and (
        (
            handoff.state is HandoffState.QUEUED
            and await _offered_to(request, handoff, await deps.staff.with_role(Role.AGENT))
        )
        or (handoff.state is HandoffState.AGENT and handoff.agent == request["user"].username)
    )
    if handoff is None or not visible:
        raise web.HTTPNotFound(text="no such conversation in the queue or with you")
    return handoff


async def _offered_to(request: web.Request, handoff: Handoff, agents: list[StaffUser]) -> bool:
    """Whether this agent may see and take a waiting customer now: only in a language the
    agent serves (unless none of `agents` serves it), and a key account goes to its account
    manager first, to everyone else after `key_account_minutes`."""
    deps = request.app[CONSOLE]
    if not routed_to(request["user"], handoff.request.language, agents):
        return False
    waited = deps.clock() - handoff.requested_at
    number = handoff.request.customer_number
    if (
        handoff.request.tier != "A"
        or not number
        or waited >= timedelta(minutes=deps.key_account_minutes)
    ):
        return True
    try:
        customer = await deps.orders.customer(number)
    except OrderSystemUnavailableError:
        return True  # nobody can tell who the manager is: serve the customer
    manager = customer.account_manager if customer else ""
    return not manager or manager == request["user"].display_name


async def _colleagues(deps: ConsoleDeps, me: StaffUser, language: str) -> list[StaffUser]:
    """Who may take over a conversation in this language from me."""
    agents = await deps.staff.with_role(Role.AGENT)
    return [
        colleague
        for colleague in agents
        if colleague.username != me.username and routed_to(colleague, language, agents)
    ]


def routed_to(agent: StaffUser, language: str, agents: list[StaffUser]) -> bool:
    """Language routing: a customer waits for an agent who serves their language; if no
    account serves it, every agent may help rather than nobody."""
    return language in agent.serves or not any(language in a.serves for a in agents)


async def _owned(deps: ConsoleDeps, request: web.Request) -> Handoff:
    handoff = await _handoff(deps, request)
    if handoff.state is not HandoffState.AGENT or handoff.agent != request["user"].username:
        raise web.HTTPForbidden(text="claim the conversation first")
    return handoff


async def _fingerprint(deps: ConsoleDeps, agent: str, handoff_id: str) -> str:
    parts = [str(h.id) for h in await deps.desk.queue()]
    parts += [f"mine:{h.id}" for h in await deps.desk.claimed_by(agent)]
    if (number := whole_number(handoff_id)) is not None:
        handoff = await deps.desk.get(number)
        if handoff is not None:
            transcript = await deps.history.transcript(handoff.request.conversation_id)
            parts.append(f"{handoff.state}:{len(transcript)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


@require_role(Role.AGENT)
async def flag(request: web.Request) -> web.StreamResponse:
    """The agent marks one of the bot's answers as wrong; it lands in the misses inbox."""
    deps = request.app[CONSOLE]
    handoff = await _handoff(deps, request)
    entry_id = int(request.match_info["entry_id"])
    if deps.misses is None or not await deps.misses.flag(
        handoff.request.conversation_id, entry_id, request["user"].username
    ):
        raise web.HTTPNotFound(text="no such bot answer in this conversation")
    raise web.HTTPSeeOther(f"/agent/handoffs/{handoff.id}?flagged={entry_id}")


def _number(raw: str) -> int:
    """A query parameter's whole number, 0 if it is none."""
    return whole_number(raw) or 0
