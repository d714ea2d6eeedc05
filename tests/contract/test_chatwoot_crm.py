"""ChatwootCrm over real HTTP against the Chatwoot stand-in, which checks every request
against Chatwoot's published OpenAPI document: each test asserts what ends up in Chatwoot
and that the stand-in saw no request (and gave no answer) the document does not allow."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from crm_bridge.adapters.chatwoot import ChatwootConfig, ChatwootCrm
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.context_packet import ContextPacket, ConversationInfo, TranscriptEntry
from crm_bridge.crm import CrmError, CrmEvent, closed, customer_wrote, erased, handed_over
from crm_bridge.handoff import Handoff, HandoffReason, HandoffRequest
from orders.demo_data import load_customers, load_orders
from orders.model import Customer
from tests.chatwoot_standin import (
    OTHER_INBOX_ID,
    STANDIN_ACCOUNT_ID,
    STANDIN_INBOX_ID,
    STANDIN_TOKEN,
    ChatwootState,
    Conversation,
    Message,
    serve_chatwoot,
)
from tests.net import free_port

HOLZMANN = next(c for c in load_customers() if c.number == "K10001")
HOLZMANN_ORDERS = [o for o in load_orders() if o.customer_number == "K10001"]
CHAT_ID = "40021977"
AT = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
TRANSCRIPT = [
    TranscriptEntry("in", "text", "Wo bleibt KR-204815?", "order_status", 0.93, AT),
    TranscriptEntry("out", "text", "Die Sendung ist *unterwegs*.", None, None, AT),
    TranscriptEntry("in", "text", "Ich will mit jemandem reden", "handoff_request", 0.87, AT),
]
SUMMARY = (
    "Schreinerei Holzmann GmbH (A, Jonas Weber) · Problem mit Lieferung KR-204815 · DE · Telegram"
)


@dataclass
class Rig:
    """The stand-in, a session to it and the handoff desk the adapter links in."""

    chatwoot: ChatwootState
    url: str
    http: aiohttp.ClientSession
    desk: MemoryHandoffDesk

    def crm(self, **overrides: Any) -> ChatwootCrm:
        """The adapter, configured for the stand-in (tests override single settings)."""
        settings: dict[str, Any] = {
            "base_url": self.url,
            "account_id": STANDIN_ACCOUNT_ID,
            "inbox_id": STANDIN_INBOX_ID,
            "api_token": STANDIN_TOKEN,
        }
        return ChatwootCrm(self.http, ChatwootConfig(**(settings | overrides)), self.desk)

    async def handoff(self, **overrides: Any) -> Handoff:
        """A queued handoff of a delivery problem of the verified Holzmann."""
        fields: dict[str, Any] = {
            "conversation_id": 11,
            "requested_by": "telegram:update:9001",
            "reason": HandoffReason.ORDER_PROBLEM,
            "language": "de",
            "callback": False,
            "order_id": "KR-204815",
            "customer_number": HOLZMANN.number,
            "tier": HOLZMANN.tier,
        }
        return await self.desk.request(HandoffRequest(**(fields | overrides)))

    async def linked(self, handoff: Handoff) -> Handoff:
        """The handoff as the desk has it now (with the link to Chatwoot, once made)."""
        current = await self.desk.get(handoff.id)
        assert current is not None
        return current


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    """A fresh stand-in with nothing in it."""
    state = ChatwootState()
    async with serve_chatwoot(state) as url, aiohttp.ClientSession() as http:
        yield Rig(state, url, http, MemoryHandoffDesk())


def packet(
    handoff: Handoff,
    customer: Customer | None = HOLZMANN,
    channel: str = "telegram",
    chat_id: str = CHAT_ID,
    display_name: str = "Petra H.",
) -> ContextPacket:
    """The context packet of the handoff's conversation."""
    info = ConversationInfo(handoff.request.conversation_id, channel, chat_id, display_name, "de")
    orders = HOLZMANN_ORDERS if customer is HOLZMANN else []
    return ContextPacket(handoff, info, TRANSCRIPT, customer, orders)


def only_conversation(chatwoot: ChatwootState) -> Conversation:
    """The one conversation in Chatwoot (fails if there are none or several)."""
    [conversation] = chatwoot.conversations.values()
    return conversation


def notes(conversation: Conversation) -> list[Message]:
    """The conversation's private notes."""
    return [m for m in conversation.messages if m.private]


def error_text(error: BaseException) -> str:
    """Everything a log line of the error could show."""
    return "".join(traceback.format_exception(error))


async def test_handoff_opens_the_conversation_with_the_whole_context(rig: Rig) -> None:
    """Contact, open conversation in our inbox, attributes, labels, the note, the link."""
    handoff = await rig.handoff()

    await rig.crm().handed_over(packet(handoff), handed_over(handoff, 0.0))

    [contact] = rig.chatwoot.contacts.values()
    assert contact.identifier == f"telegram:{CHAT_ID}"
    assert contact.name == "Petra Holzmann"
    assert contact.additional_attributes == {"company_name": "Schreinerei Holzmann GmbH"}
    conversation = only_conversation(rig.chatwoot)
    assert (conversation.contact_id, conversation.inbox_id) == (contact.id, STANDIN_INBOX_ID)
    assert conversation.status == "open"
    assert conversation.custom_attributes == {
        "servicebot_handoff": handoff.id,
        "reason": "order_problem",
        "language": "de",
        "channel": "telegram",
        "callback": False,
        "order_id": "KR-204815",
        "customer_number": "K10001",
        "tier": "A",
        "account_manager": "Jonas Weber",
    }
    assert conversation.labels == ["servicebot", "reason-order_problem", "lang-de", "tier-a"]
    [note] = notes(conversation)
    assert note.message_type == "outgoing"
    assert note.content.startswith(f"**{SUMMARY}**\n")
    assert (
        "Kunde: Schreinerei Holzmann GmbH (K10001), Stufe A, Betreuer Jonas Weber" in note.content
    )
    assert "Kunde: Wo bleibt KR-204815? _(order_status 0.93)_" in note.content
    assert "Bot: Die Sendung ist unterwegs." in note.content
    assert "Kunde: Ich will mit jemandem reden _(handoff_request 0.87)_" in note.content
    found = await rig.desk.by_crm_ref(str(conversation.id))
    assert found is not None
    assert found.id == handoff.id
    assert rig.chatwoot.violations == []


async def test_unverified_whatsapp_customer_without_order(rig: Rig) -> None:
    """No customer facts, no order id, no tier label; the contact gets the phone number."""
    handoff = await rig.handoff(
        reason=HandoffReason.REQUESTED, order_id="", customer_number="", tier=""
    )
    unverified = packet(handoff, customer=None, channel="whatsapp", chat_id="4917612345678")

    await rig.crm().handed_over(unverified, handed_over(handoff, 0.0))

    [contact] = rig.chatwoot.contacts.values()
    assert (contact.identifier, contact.name) == ("whatsapp:4917612345678", "Petra H.")
    assert contact.phone_number == "+4917612345678"
    conversation = only_conversation(rig.chatwoot)
    assert conversation.custom_attributes == {
        "servicebot_handoff": handoff.id,
        "reason": "requested",
        "language": "de",
        "channel": "whatsapp",
        "callback": False,
    }
    assert conversation.labels == ["servicebot", "reason-requested", "lang-de"]
    assert rig.chatwoot.violations == []


@pytest.mark.parametrize(("language", "team"), [("de", 1), ("en", 2)])
async def test_team_of_the_customers_language_is_assigned(
    rig: Rig, language: str, team: int
) -> None:
    """Each language goes to the team configured for it."""
    handoff = await rig.handoff(language=language)

    await rig.crm(teams={"de": 1, "en": 2}).handed_over(packet(handoff), handed_over(handoff, 0))

    assert only_conversation(rig.chatwoot).team_id == team
    assert rig.chatwoot.violations == []


async def test_no_team_without_configuration(rig: Rig) -> None:
    """Not even an assignment call: Chatwoot's own routing decides."""
    handoff = await rig.handoff(language="en")

    await rig.crm(teams={"de": 1}).handed_over(packet(handoff), handed_over(handoff, 0.0))

    conversation = only_conversation(rig.chatwoot)
    assert conversation.team_id is None
    assert rig.chatwoot.calls("POST", f"/conversations/{conversation.id}/assignments") == []
    assert rig.chatwoot.violations == []


async def test_repeated_handoff_with_the_link_stored_opens_nothing_new(rig: Rig) -> None:
    """The dispatcher retries with the handoff as the desk has it: linked already."""
    crm, handoff = rig.crm(), await rig.handoff()
    await crm.handed_over(packet(handoff), handed_over(handoff, 0.0))
    first = only_conversation(rig.chatwoot)

    retried = await rig.linked(handoff)
    await crm.handed_over(packet(retried), handed_over(retried, 0.0))

    assert len(rig.chatwoot.contacts) == 1
    assert only_conversation(rig.chatwoot).id == first.id
    assert len(rig.chatwoot.calls("POST", "/contacts")) == 1
    assert len(rig.chatwoot.calls("POST", "/conversations")) == 1
    assert len(rig.chatwoot.calls("GET", "/contacts/search")) == 1  # went by the link
    assert rig.chatwoot.violations == []


async def test_a_repeated_handoff_keeps_the_labels_agents_added(rig: Rig) -> None:
    """Setting labels replaces them in Chatwoot; a retry must not drop an agent's label."""
    crm, handoff = rig.crm(), await rig.handoff()
    await crm.handed_over(packet(handoff), handed_over(handoff, 0.0))
    only_conversation(rig.chatwoot).labels.append("rueckruf-dringend")  # an agent's label

    retried = await rig.linked(handoff)
    await crm.handed_over(packet(retried), handed_over(retried, 0.0))

    labels = only_conversation(rig.chatwoot).labels
    assert "rueckruf-dringend" in labels
    assert labels.count("servicebot") == 1
    assert rig.chatwoot.violations == []


class LinkCrashDesk(MemoryHandoffDesk):
    """A desk whose first link_crm fails: the worker died after Chatwoot opened the
    conversation and before the link was stored."""

    def __init__(self) -> None:
        super().__init__()
        self.crashes = 1

    async def link_crm(self, handoff_id: int, crm_ref: str) -> None:
        """Fail once, then store the link."""
        if self.crashes:
            self.crashes -= 1
            raise ConnectionError("the database went away")
        await super().link_crm(handoff_id, crm_ref)


async def test_repeated_handoff_after_the_link_was_lost_finds_the_conversation(
    rig: Rig,
) -> None:
    """The conversation is found again by its servicebot_handoff attribute and linked."""
    rig.desk = LinkCrashDesk()
    crm, handoff = rig.crm(), await rig.handoff()
    with pytest.raises(ConnectionError):
        await crm.handed_over(packet(handoff), handed_over(handoff, 0.0))
    opened = only_conversation(rig.chatwoot)

    unlinked = await rig.linked(handoff)
    assert unlinked.crm_ref == ""
    await crm.handed_over(packet(unlinked), handed_over(unlinked, 0.0))

    assert len(rig.chatwoot.contacts) == 1
    assert only_conversation(rig.chatwoot).id == opened.id
    assert len(rig.chatwoot.calls("POST", "/conversations")) == 1
    assert (await rig.linked(handoff)).crm_ref == str(opened.id)
    assert opened.labels == ["servicebot", "reason-order_problem", "lang-de", "tier-a"]
    assert len(notes(opened)) == 1
    assert rig.chatwoot.violations == []


async def test_existing_contact_is_reused(rig: Rig) -> None:
    """The customer wrote to us before: their contact gets the new conversation."""
    # Found first: a contact whose identifier merely contains ours (search matches parts).
    rig.chatwoot.add_contact("Someone else", f"telegram:{CHAT_ID}0")
    known = rig.chatwoot.add_contact("Petra Holzmann", f"telegram:{CHAT_ID}")
    handoff = await rig.handoff()

    await rig.crm().handed_over(packet(handoff), handed_over(handoff, 0.0))

    assert rig.chatwoot.calls("POST", "/contacts") == []
    conversation = only_conversation(rig.chatwoot)
    assert conversation.contact_id == known.id
    assert conversation.source_id == known.contact_inboxes[0].source_id
    assert rig.chatwoot.violations == []


async def test_customer_message_is_mirrored_as_incoming(rig: Rig) -> None:
    """Agents see it as the customer's message, not as a note."""
    crm, handoff = rig.crm(), await rig.handoff()
    await crm.handed_over(packet(handoff), handed_over(handoff, 0.0))
    linked = await rig.linked(handoff)

    await crm.customer_wrote(linked, customer_wrote(linked, "m-77", "Ist schon jemand da?", 0.0))

    last = only_conversation(rig.chatwoot).messages[-1]
    assert (last.content, last.message_type, last.private) == (
        "Ist schon jemand da?",
        "incoming",
        False,
    )
    assert rig.chatwoot.violations == []


async def test_customer_message_before_the_link_is_retried_later(rig: Rig) -> None:
    """The handoff event is still on its way: a non-permanent error, nothing sent."""
    handoff = await rig.handoff()

    with pytest.raises(CrmError) as raised:
        await rig.crm().customer_wrote(handoff, customer_wrote(handoff, "m-1", "Hallo?", 0.0))

    assert raised.value.permanent is False
    assert rig.chatwoot.requests == []


@pytest.mark.parametrize(
    ("how", "note"),
    [
        ("cancelled", "Der Kunde hat die Anfrage zurückgezogen; der Bot antwortet wieder."),
        ("resolved", "In der servicebot-Konsole erledigt; der Bot antwortet wieder."),
    ],
)
async def test_closed_here_notes_why_and_resolves_there(rig: Rig, how: str, note: str) -> None:
    """Agents in Chatwoot learn why the conversation ended."""
    crm, handoff = rig.crm(), await rig.handoff()
    await crm.handed_over(packet(handoff), handed_over(handoff, 0.0))
    linked = await rig.linked(handoff)

    await crm.closed(linked, closed(linked, how, 0.0))

    conversation = only_conversation(rig.chatwoot)
    assert notes(conversation)[-1].content == note
    assert conversation.status == "resolved"
    assert rig.chatwoot.violations == []


async def test_closing_an_unlinked_handoff_does_nothing(rig: Rig) -> None:
    """It was never opened in Chatwoot."""
    handoff = await rig.handoff()

    await rig.crm().closed(handoff, closed(handoff, "cancelled", 0.0))

    assert rig.chatwoot.requests == []


async def _refused(rig: Rig, crm: ChatwootCrm, event: CrmEvent | None = None) -> CrmError:
    """The CrmError of handing over a new handoff."""
    handoff = await rig.handoff()
    with pytest.raises(CrmError) as raised:
        await crm.handed_over(packet(handoff), event or handed_over(handoff, 0.0))
    return raised.value


async def test_an_erasure_deletes_the_contact_with_its_conversations_there(rig: Rig) -> None:
    """Two handoffs of the customer, one never opened in Chatwoot; another contact stays."""
    crm = rig.crm()
    first = await rig.handoff()
    await crm.handed_over(packet(first), handed_over(first, 0.0))
    other = await rig.handoff(conversation_id=12, customer_number="", tier="")
    await crm.handed_over(packet(other, None, chat_id="555"), handed_over(other, 0.0))
    linked = await rig.linked(first)
    kept = rig.chatwoot.conversations[int((await rig.linked(other)).crm_ref)]

    gone = erased([(linked.id, linked.crm_ref, AT), (77, "", AT)], 0.0)
    await crm.erased(gone)
    await crm.erased(gone)  # a retry finds nothing left to delete

    assert list(rig.chatwoot.conversations.values()) == [kept]
    assert [c.identifier for c in rig.chatwoot.contacts.values()] == ["telegram:555"]
    assert rig.chatwoot.violations == []


@pytest.mark.parametrize("status", [500, 503])
async def test_an_erasure_chatwoot_cannot_take_now_is_retried(rig: Rig, status: int) -> None:
    crm, handoff = rig.crm(), await rig.handoff()
    await crm.handed_over(packet(handoff), handed_over(handoff, 0.0))
    linked = await rig.linked(handoff)
    rig.chatwoot.fail_next(1, status)

    with pytest.raises(CrmError) as raised:
        await crm.erased(erased([(linked.id, linked.crm_ref, AT)], 0.0))

    assert raised.value.permanent is False
    assert len(rig.chatwoot.conversations) == 1


@pytest.mark.parametrize("status", [500, 502, 429])
async def test_server_trouble_is_retried(rig: Rig, status: int) -> None:
    """Chatwoot down or throttling: try again later; the echoed token stays out."""
    rig.chatwoot.fail_next(1, status)

    error = await _refused(rig, rig.crm())

    assert error.permanent is False
    assert str(status) in str(error)
    assert STANDIN_TOKEN not in error_text(error)
    assert rig.chatwoot.violations == []


async def test_unreachable_chatwoot_is_retried(rig: Rig) -> None:
    """Nothing listens there."""
    error = await _refused(rig, rig.crm(base_url=f"http://127.0.0.1:{free_port()}"))

    assert error.permanent is False
    assert STANDIN_TOKEN not in error_text(error)


async def test_slow_chatwoot_is_retried(rig: Rig) -> None:
    """An answer later than the timeout counts as no answer."""
    rig.chatwoot.fail_next(1, 500, delay_seconds=5.0)
    started = asyncio.get_running_loop().time()

    error = await _refused(rig, rig.crm(timeout_seconds=0.2))

    assert asyncio.get_running_loop().time() - started < 2.0  # gave up, did not wait for it
    assert error.permanent is False
    assert STANDIN_TOKEN not in error_text(error)


async def test_rejected_token_is_retried_while_an_operator_fixes_it(rig: Rig) -> None:
    """Chatwoot refuses the token (revoked or rotated): the events wait, with a hint."""
    rig.chatwoot.fail_next(1, 401)

    error = await _refused(rig, rig.crm())

    assert error.permanent is False
    assert "401" in str(error)
    assert "SERVICEBOT_CHATWOOT_API_TOKEN" in str(error)
    assert STANDIN_TOKEN not in error_text(error)


async def test_throttling_says_how_long_to_wait(rig: Rig) -> None:
    """A 429 carries Chatwoot's Retry-After for the dispatcher."""
    rig.chatwoot.fail_next(1, 429)

    error = await _refused(rig, rig.crm())

    assert error.permanent is False
    assert error.retry_after is not None
    assert error.retry_after > 0


async def test_wrong_token_is_not_shown(rig: Rig) -> None:
    """A misconfigured token: the error does not print the token, nothing is created."""
    wrong = "wrong-token-4f2a9c"

    error = await _refused(rig, rig.crm(api_token=wrong))

    assert error.permanent is False
    assert "401" in str(error)
    assert wrong not in error_text(error)
    assert rig.chatwoot.contacts == {}
    assert rig.chatwoot.violations == []


async def test_conversation_gone_in_chatwoot_is_permanent(rig: Rig) -> None:
    """Someone deleted the conversation there: a 404 that retrying cannot fix."""
    handoff = await rig.handoff()
    await rig.desk.link_crm(handoff.id, "999999")
    linked = await rig.linked(handoff)

    with pytest.raises(CrmError) as raised:
        await rig.crm().customer_wrote(linked, customer_wrote(linked, "m-2", "Hallo?", 0.0))

    assert raised.value.permanent is True
    assert "404" in str(raised.value)
    assert STANDIN_TOKEN not in error_text(raised.value)
    assert rig.chatwoot.violations == []


# The stand-in itself: the "no violations" assertions above mean something only if it
# really rejects what the document does not allow and really checks the token.


async def test_standin_rejects_a_request_the_document_does_not_allow(rig: Rig) -> None:
    """A conversation without its required source_id: 400, and recorded."""
    url = f"{rig.url}/api/v1/accounts/{STANDIN_ACCOUNT_ID}/conversations"
    headers = {"api_access_token": STANDIN_TOKEN}

    async with rig.http.post(url, json={"inbox_id": STANDIN_INBOX_ID}, headers=headers) as answer:
        assert answer.status == 400

    [violation] = rig.chatwoot.violations
    assert violation.side == "request"
    assert "'source_id' is a required property" in " ".join(violation.errors)
    assert rig.chatwoot.conversations == {}


async def test_standin_needs_the_token(rig: Rig) -> None:
    """Without the api_access_token header the document is violated; a wrong one is 401."""
    url = f"{rig.url}/api/v1/accounts/{STANDIN_ACCOUNT_ID}/contacts/search"

    async with rig.http.get(url, params={"q": "x"}) as answer:
        assert answer.status == 400
    async with rig.http.get(url, params={"q": "x"}, headers={"api_access_token": "no"}) as answer:
        assert answer.status == 401

    assert [v.side for v in rig.chatwoot.violations] == ["request"]


async def test_standin_keeps_contacts_per_inbox(rig: Rig) -> None:
    """A contact of another inbox has no source id for ours: no conversation with it."""
    other = rig.chatwoot.add_contact("Web visitor", "web:1", inbox_id=OTHER_INBOX_ID)
    url = f"{rig.url}/api/v1/accounts/{STANDIN_ACCOUNT_ID}/conversations"
    body = {
        "source_id": other.contact_inboxes[0].source_id,
        "inbox_id": STANDIN_INBOX_ID,
        "contact_id": other.id,
    }

    async with rig.http.post(url, json=body, headers={"api_access_token": STANDIN_TOKEN}) as answer:
        assert answer.status == 404

    assert rig.chatwoot.conversations == {}
    assert rig.chatwoot.violations == []
