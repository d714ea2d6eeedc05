"""Export and erasure of a contact across everything we keep: the database (PersonalData),
Redis (dialogue memory, verification, WhatsApp window and pacing, the inbound stream and the
CRM outbox with their dead letters) and the CRM, which is asked to erase its copy through
the CRM outbox (crm_bridge/crm.py, ERASED), so the request survives a CRM that is down."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import redis.asyncio as aioredis
import structlog

from bot.keys import Keys
from bot.messages import Channel
from bot.privacy import (
    CUSTOMER_ACTOR,
    DataExport,
    ErasedRecords,
    Erasure,
    PersonalData,
    Subject,
)
from bot.streams import Entries
from crm_bridge.crm import CrmOutbox, erased
from orders.model import Customer
from orders.ports import OrderProvider, OrderSystemUnavailableError

log = structlog.get_logger(__name__)
SCAN_BATCH = 500  # stream entries read per XRANGE while looking for a contact's


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    """Tunables from the settings."""

    policy_url: str
    clock: Callable[[], float] = time.time


class PrivacyService:
    """The one place a contact's data is exported or erased (chat, admin page, API)."""

    def __init__(
        self,
        data: PersonalData,
        *,
        redis: aioredis.Redis,
        keys: Keys,
        orders: OrderProvider,
        crm: CrmOutbox | None,
        config: PrivacyConfig,
    ) -> None:
        """`crm`: the CRM outbox when a CRM is configured (None: the console alone)."""
        self._data = data
        self._redis = redis
        self._keys = keys
        self._orders = orders
        self._crm = crm
        self._config = config

    @property
    def policy_url(self) -> str:
        """The privacy policy customers are pointed to."""
        return self._config.policy_url

    def for_chat(self, channel: Channel, chat_id: str, message_id: str) -> ChatRequests:
        """The requests of the customer writing in this chat (ChatPrivacy)."""
        return ChatRequests(self, channel, chat_id, message_id)

    async def export(self, subject: Subject, actor: str) -> DataExport:
        """Everything stored about the subject (recorded in the audit log)."""
        contacts = await self._data.export(subject, actor)
        chats = [(c.channel, c.chat_id) for contact in contacts for c in contact.conversations]
        state = {f"{ch}:{chat}": await self._chat_state(ch, chat) for ch, chat in chats}
        state = {key: value for key, value in state.items() if value}
        numbers = set(await self._data.customer_numbers(subject))
        numbers |= {
            str(s["verification"]["verified_customer"])
            for s in state.values()
            if s.get("verification", {}).get("verified_customer")
        }
        phones = [i for contact in contacts for ch, i in contact.identities if ch == "whatsapp"]
        return DataExport(
            exported_at=datetime.fromtimestamp(self._config.clock(), UTC),
            contacts=contacts,
            customers=await self._customers(numbers, phones),
            state=state,
        )

    async def erase(self, subject: Subject, actor: str, answering: str = "") -> Erasure:
        """Erase the subject everywhere (recorded in the audit log). `answering`: the id of
        the customer's message being answered in the chat, whose stream entry and WhatsApp
        reply window stay so that the confirmation still reaches them."""
        records = await self._data.erase(subject, actor)
        removed = await self._forget_state(records, keep_window=bool(answering))
        removed += await self._drop_stream_entries(records, answering)
        told = await self._tell_crm(records)
        erasure = Erasure(
            contacts=records.contacts,
            conversations=records.conversations,
            messages=records.messages,
            media_files=records.media_files,
            handoffs_closed=sum(1 for h in records.handoffs if h.was_open),
            redis_entries=removed,
            crm_told=told,
        )
        log.info(
            "contact_erased",
            by=subject.by,
            actor_kind="customer" if actor == CUSTOMER_ACTOR else "staff",
            conversations=erasure.conversations,
            redis_entries=removed,
            crm_told=told,
        )
        return erasure

    async def _chat_state(self, channel: str, chat_id: str) -> dict[str, Any]:
        """What Redis holds about the chat: the verification and the dialogue memory."""
        key = f"{channel}:{chat_id}"
        state: dict[str, Any] = {}
        raw = await self._redis.get(self._keys.verification(key))
        if raw is not None:
            state["verification"] = json.loads(raw)["after"]
        dialogue = await self._redis.hgetall(self._keys.dialogue(key))
        if dialogue:
            state["dialogue"] = {_text(k): _text(v) for k, v in dialogue.items()}
        return state

    async def _customers(
        self, numbers: Iterable[str], phones: Iterable[str]
    ) -> tuple[Customer, ...]:
        """The customer accounts named, as the order system has them (none while it is
        down: the export says what it could read)."""
        found: dict[str, Customer] = {}
        try:
            for number in sorted(numbers):
                if customer := await self._orders.customer(number):
                    found[customer.number] = customer
            for phone in phones:
                if customer := await self._orders.customer_by_phone(phone):
                    found[customer.number] = customer
        except OrderSystemUnavailableError:
            log.warning("privacy_export_without_customer_accounts")
        return tuple(found[number] for number in sorted(found))

    async def _forget_state(self, records: ErasedRecords, *, keep_window: bool) -> int:
        """Delete the chats' dialogue memory and verification, and (unless a reply is still
        to go) the WhatsApp window and pacing of the contacts' numbers."""
        keys = [
            key
            for channel, chat in records.chats
            for key in (
                self._keys.dialogue(f"{channel}:{chat}"),
                self._keys.verification(f"{channel}:{chat}"),
            )
        ]
        if not keep_window:
            keys += [
                key
                for channel, user in records.user_ids
                if channel == Channel.WHATSAPP.value
                for key in (self._keys.whatsapp_window(user), self._keys.pacing(f"wa-user:{user}"))
            ]
        return int(await self._redis.delete(*keys)) if keys else 0

    async def _drop_stream_entries(self, records: ErasedRecords, answering: str) -> int:
        """Delete the contact's entries from the inbound and CRM streams and their dead
        letters (acknowledged entries stay there until the stream is trimmed)."""
        chats = set(records.chats) | set(records.user_ids)
        handoffs = {h.handoff_id for h in records.handoffs}

        def inbound(body: dict[str, Any]) -> bool:
            sender = {
                (body.get("channel"), body.get("chat_id")),
                (body.get("channel"), body.get("user_id")),
            }
            return bool(sender & chats) and body.get("message_id") != answering

        def outbox(body: dict[str, Any]) -> bool:
            return body.get("handoff_id") in handoffs

        dropped = 0
        if chats:
            for stream in (self._keys.inbound_stream, self._keys.dead_letter_stream):
                dropped += await _delete_entries(self._redis, stream, inbound)
        if handoffs:
            names = self._keys.crm_outbox
            for stream in (names.stream, names.dead_letters):
                dropped += await _delete_entries(self._redis, stream, outbox)
        return dropped

    async def _tell_crm(self, records: ErasedRecords) -> bool:
        """Ask the CRM to erase its copy of the erased handoffs."""
        if self._crm is None or not records.handoffs:
            return False
        listed = [(h.handoff_id, h.crm_ref, h.requested_at) for h in records.handoffs]
        await self._crm.publish(erased(listed, self._config.clock()))
        return True


class ChatRequests:
    """ChatPrivacy of one chat, for the message being answered."""

    def __init__(
        self, service: PrivacyService, channel: Channel, chat_id: str, message_id: str
    ) -> None:
        self._service = service
        self._subject = Subject.of_chat(channel.value, chat_id)
        self._message_id = message_id

    @property
    def policy_url(self) -> str:
        """The privacy policy the customer is pointed to."""
        return self._service.policy_url

    async def export(self) -> DataExport:
        """What we store about the contact of this chat."""
        return await self._service.export(self._subject, CUSTOMER_ACTOR)

    async def erase(self) -> Erasure:
        """Erase the contact of this chat everywhere."""
        return await self._service.erase(self._subject, CUSTOMER_ACTOR, self._message_id)


async def _delete_entries(
    redis: aioredis.Redis, stream: str, matches: Callable[[dict[str, Any]], bool]
) -> int:
    """XDEL the entries whose JSON body (field "message") matches."""
    doomed: list[bytes] = []
    start = "-"
    while True:
        entries = cast(Entries, await redis.xrange(stream, min=start, count=SCAN_BATCH))
        for entry_id, fields in entries:
            if matches(_body(fields.get(b"message", b"{}"))):
                doomed.append(entry_id)
        if len(entries) < SCAN_BATCH:
            break
        start = "(" + entries[-1][0].decode()
    return int(await redis.xdel(stream, *doomed)) if doomed else 0


def _body(raw: bytes | str) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
