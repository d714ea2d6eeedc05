"""The Chatwoot CRM (Application API, an API-channel inbox): a handoff opens a Chatwoot
conversation for the customer's contact, with the context packet as a private note, custom
attributes and labels (reason, language, tier; a team per language if configured); the
customer's later messages are mirrored in; closing here resolves it there; erasing the
customer's data here deletes their Chatwoot contact with its conversations. Agents' replies
and resolves come back through Chatwoot's webhook (crm_bridge/crm_webhooks.py).

The conversation is opened in Chatwoot only at the handoff, so Chatwoot's response times
measure people from the handoff, not the bot's part of the chat."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.web.templates import translate
from crm_bridge import packet_export
from crm_bridge.context_packet import ContextPacket
from crm_bridge.crm import CrmError, CrmEvent
from crm_bridge.handoff import Handoff, HandoffDesk

HANDOFF_ATTRIBUTE = "servicebot_handoff"  # the custom attribute that names our handoff


@dataclass(frozen=True, slots=True)
class ChatwootConfig:
    """Where the account and inbox are, and how to authenticate (api_access_token)."""

    base_url: str  # e.g. https://chatwoot.example.com
    account_id: int
    inbox_id: int  # an API-channel inbox for servicebot's conversations
    api_token: str
    note_language: str = "de"  # of the private note agents read
    teams: Mapping[str, int] = field(default_factory=dict)  # customer language -> team id
    timeout_seconds: float = 10.0


class ChatwootCrm:
    """Crm on Chatwoot's Application API."""

    def __init__(self, http: aiohttp.ClientSession, config: ChatwootConfig, desk: HandoffDesk):
        self._http = http
        self._config = config
        self._desk = desk
        self._base = f"{config.base_url.rstrip('/')}/api/v1/accounts/{config.account_id}"

    async def handed_over(self, packet: ContextPacket, event: CrmEvent) -> None:
        """Find or create the contact and the conversation, link it, label it, add the note.
        Safe to repeat: the conversation is found again by its handoff attribute."""
        handoff = packet.handoff
        conversation = handoff.crm_ref or await self._open(packet)
        if not handoff.crm_ref:
            await self._desk.link_crm(handoff.id, conversation)
        request = handoff.request
        labels = ["servicebot", f"reason-{request.reason.value}", f"lang-{request.language}"]
        if request.tier:
            labels.append(f"tier-{request.tier.lower()}")
        # Setting labels replaces them all: keep those agents added before a retry.
        present = await self._call("GET", f"/conversations/{conversation}/labels")
        labels = list(dict.fromkeys([*_strings(present.get("payload")), *labels]))
        await self._call("POST", f"/conversations/{conversation}/labels", {"labels": labels})
        team = self._config.teams.get(request.language)
        if team is not None:
            await self._call(
                "POST", f"/conversations/{conversation}/assignments", {"team_id": team}
            )
        note = packet_export.note(packet, self._config.note_language)
        await self._private_note(conversation, note)

    async def customer_wrote(self, handoff: Handoff, event: CrmEvent) -> None:
        """The customer's message as an incoming message of the conversation."""
        conversation = _linked(handoff)
        body = {"content": event.text, "message_type": "incoming", "private": False}
        await self._call("POST", f"/conversations/{conversation}/messages", body)

    async def closed(self, handoff: Handoff, event: CrmEvent) -> None:
        """Say why in a private note and resolve the conversation."""
        if not handoff.crm_ref:
            return  # never opened there
        why = "crm.withdrawn" if event.text == "cancelled" else "crm.resolved_here"
        await self._private_note(handoff.crm_ref, translate(why, self._config.note_language))
        await self._call(
            "POST", f"/conversations/{handoff.crm_ref}/toggle_status", {"status": "resolved"}
        )

    async def erased(self, event: CrmEvent) -> None:
        """Delete the contact of each erased conversation, which deletes its conversations
        in Chatwoot too. One gone already (a retry, or deleted by hand) is fine."""
        contacts: set[int] = set()
        for _handoff_id, conversation, _created in event.erased:
            if not conversation:
                continue  # never opened there
            shown = await self._call("GET", f"/conversations/{conversation}", missing_ok=True)
            sender = (shown.get("meta") or {}).get("sender") or {}
            if sender.get("id") is not None:
                contacts.add(int(sender["id"]))
        for contact in sorted(contacts):
            await self._call("DELETE", f"/contacts/{contact}", missing_ok=True)

    async def _open(self, packet: ContextPacket) -> str:
        contact_id, source_id = await self._contact(packet)
        existing = await self._conversation_of(contact_id, packet.handoff.id)
        if existing is not None:
            return existing
        request, customer = packet.handoff.request, packet.customer
        attributes: dict[str, Any] = {
            HANDOFF_ATTRIBUTE: packet.handoff.id,
            "reason": request.reason.value,
            "language": request.language,
            "channel": packet.conversation.channel,
            "callback": request.callback,
        }
        if request.order_id:
            attributes["order_id"] = request.order_id
        if customer is not None:
            attributes |= {"customer_number": customer.number, "tier": customer.tier}
            if customer.account_manager:
                attributes["account_manager"] = customer.account_manager
        created = await self._call(
            "POST",
            "/conversations",
            {
                "source_id": source_id,
                "inbox_id": self._config.inbox_id,
                "contact_id": contact_id,
                "status": "open",
                "custom_attributes": attributes,
            },
        )
        return str(_required(created, "id"))

    async def _contact(self, packet: ContextPacket) -> tuple[int, str]:
        """The customer's contact in our inbox (found by identifier, else created) and the
        source id of its contact inbox, which a new conversation needs."""
        info = packet.conversation
        identifier = f"{info.channel}:{info.chat_id}"
        found = await self._call("GET", "/contacts/search", params={"q": identifier})
        for contact in _list(found.get("payload")):
            if contact.get("identifier") == identifier:
                source = self._source_id(contact)
                if source:
                    return int(contact["id"]), source
        customer = packet.customer
        body: dict[str, Any] = {
            "inbox_id": self._config.inbox_id,
            "name": (customer.contact_name if customer else "") or info.display_name or identifier,
            "identifier": identifier,
            "additional_attributes": {"company_name": customer.company} if customer else {},
        }
        if info.channel == "whatsapp":
            body["phone_number"] = f"+{info.chat_id.lstrip('+')}"
        created = await self._call("POST", "/contacts", body)
        contact = _created_contact(created)
        source = self._source_id(contact)
        if not source:
            raise CrmError("Chatwoot returned the contact without an inbox", permanent=True)
        return int(_required(contact, "id")), source

    def _source_id(self, contact: Mapping[str, Any]) -> str:
        for contact_inbox in _list(contact.get("contact_inboxes")):
            inbox = contact_inbox.get("inbox") or {}
            inbox_id = inbox.get("id", contact_inbox.get("inbox_id"))
            if inbox_id == self._config.inbox_id and contact_inbox.get("source_id"):
                return str(contact_inbox["source_id"])
        return ""

    async def _conversation_of(self, contact_id: int, handoff_id: int) -> str | None:
        """A conversation opened for this handoff before (a retry after a crash)."""
        listed = await self._call("GET", f"/contacts/{contact_id}/conversations")
        for conversation in _list(listed.get("payload")):
            attributes = conversation.get("custom_attributes") or {}
            if attributes.get(HANDOFF_ATTRIBUTE) == handoff_id:
                return str(conversation["id"])
        return None

    async def _private_note(self, conversation: str, content: str) -> None:
        body = {"content": content, "message_type": "outgoing", "private": True}
        await self._call("POST", f"/conversations/{conversation}/messages", body)

    async def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        *,
        missing_ok: bool = False,
    ) -> dict[str, Any]:
        """One API call; CrmError (permanent for a 4xx other than 429) when it fails. With
        `missing_ok`, a 404 is an empty answer."""
        try:
            async with self._http.request(
                method,
                self._base + path,
                json=body,
                params=params,
                headers={"api_access_token": self._config.api_token},
                timeout=aiohttp.ClientTimeout(total=self._config.timeout_seconds),
                allow_redirects=False,
            ) as response:
                if response.status == 404 and missing_ok:
                    return {}
                if response.status >= 400:
                    raise _refusal(response, f"{method} {path}")
                raw = await response.read()  # a DELETE answers 200 with no body
                parsed = json.loads(raw) if raw.strip() else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise CrmError(f"Chatwoot not reachable for {method} {path}: {error!r}") from None
        return parsed if isinstance(parsed, dict) else {"payload": parsed}


def _refusal(response: aiohttp.ClientResponse, call: str) -> CrmError:
    """What an error answer means for retrying: server trouble and throttling pass (after
    Chatwoot's Retry-After), and so may a refused token once an operator fixes it; any
    other 4xx will not change."""
    status = response.status
    if status in (401, 403):
        return CrmError(
            f"Chatwoot refused the access token ({status} to {call}): "
            "check SERVICEBOT_CHATWOOT_API_TOKEN"
        )
    if status == 429:
        wait = response.headers.get("Retry-After", "")
        return CrmError(
            f"Chatwoot answered 429 to {call}", retry_after=float(wait) if wait.isdigit() else None
        )
    return CrmError(f"Chatwoot answered {status} to {call}", permanent=status < 500)


def _linked(handoff: Handoff) -> str:
    if not handoff.crm_ref:
        # The handoff event is still on its way (or being retried): try again later.
        raise CrmError(f"handoff {handoff.id} is not opened in Chatwoot yet")
    return handoff.crm_ref


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _list(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _required(data: Mapping[str, Any], key: str) -> Any:
    if data.get(key) is None:
        raise CrmError(f"Chatwoot's answer has no {key}", permanent=True)
    return data[key]


def _created_contact(created: Mapping[str, Any]) -> dict[str, Any]:
    """The new contact: its published shape is {"id", "payload": [contact]}; servers answer
    {"payload": {"contact": {...}, "contact_inbox": {...}}} too."""
    payload = created.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("contact"), dict):
        contact = dict(payload["contact"])
        inbox = payload.get("contact_inbox")
        if isinstance(inbox, dict) and not contact.get("contact_inboxes"):
            contact["contact_inboxes"] = [inbox]
        return contact
    listed = _list(payload)
    contact = dict(listed[0]) if listed else {}
    if created.get("id") is not None:
        contact.setdefault("id", created["id"])
    return contact
