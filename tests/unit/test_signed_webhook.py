"""The signed CRM webhook, outbound: what a receiving CRM gets, how it can check it came from
us, and which answers are retried (a real HTTP receiver on localhost)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from crm_bridge import signing
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.adapters.signed_webhook import SignedWebhookCrm
from crm_bridge.context_packet import ContextPacket, ConversationInfo, TranscriptEntry
from crm_bridge.crm import CrmError, closed, customer_wrote, erased, handed_over
from crm_bridge.handoff import Handoff, HandoffReason, HandoffRequest
from orders.demo_data import load_customers
from tests.net import free_port, serve

SECRET = "whsec-test-0123456789"
NOW = 1_795_000_000.0


@dataclass
class Receiver:
    """The other CRM's endpoint: checks our signature like a receiver should."""

    secret: str = SECRET
    clock: Callable[[], float] = field(default=lambda: NOW)
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    answer_with: list[int] = field(default_factory=list)  # statuses for the next calls
    refused: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        """Verify, record, answer."""
        body = await request.read()
        signed = signing.verify(
            self.secret,
            request.headers.get(signing.TIMESTAMP_HEADER, ""),
            body,
            request.headers.get(signing.SIGNATURE_HEADER, ""),
            self.clock(),
        )
        if not signed:
            self.refused += 1
            return web.Response(status=401)
        if self.answer_with:
            return web.Response(status=self.answer_with.pop(0))
        self.received.append(json.loads(body))
        self.headers.append(dict(request.headers))
        return web.Response(status=204)


@asynccontextmanager
async def receiving(state: Receiver) -> AsyncIterator[Receiver]:
    """The receiver serving on a free port."""
    app = web.Application()
    app.router.add_post("/hooks/servicebot", state.handle)
    async with serve(app) as base_url:
        state.url = f"{base_url}/hooks/servicebot"
        yield state


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """The receiver, at the tests' fixed clock."""
    async with receiving(Receiver()) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client session."""
    async with aiohttp.ClientSession() as session:
        yield session


async def a_handoff() -> Handoff:
    """Schreinerei Holzmann's request for a person about an order."""
    return await MemoryHandoffDesk().request(
        HandoffRequest(
            3,
            "m1",
            HandoffReason.ORDER_PROBLEM,
            "de",
            callback=False,
            order_id="KR-204815",
            customer_number="K10001",
            tier="A",
        )
    )


def packet_of(handoff: Handoff) -> ContextPacket:
    """The context packet a person would see."""
    at = datetime(2026, 11, 23, 9, 5, tzinfo=UTC)
    customer = next(c for c in load_customers() if c.number == "K10001")
    return ContextPacket(
        handoff,
        ConversationInfo(3, "telegram", "4711", "Petra Holzmann", "de"),
        [TranscriptEntry("in", "text", "Wo bleibt KR-204815?", "order_status", 0.98, at)],
        customer,
        [],
    )


async def test_a_handoff_arrives_signed_with_the_whole_context(
    receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    crm = SignedWebhookCrm(http, receiver.url, SECRET, clock=lambda: NOW)
    handoff = await a_handoff()
    await crm.handed_over(packet_of(handoff), handed_over(handoff, NOW))
    [event] = receiver.received
    assert (event["event"], event["id"]) == ("handoff.created", handed_over(handoff, NOW).key)
    document = event["data"]["handoff"]
    assert document["customer"]["company"] == "Schreinerei Holzmann GmbH"
    assert document["customer"]["account_manager"] == "Jonas Weber"
    assert (document["reason"], document["order_id"]) == ("order_problem", "KR-204815")
    assert document["transcript"][0]["intent"] == "order_status"
    assert receiver.headers[0][signing.EVENT_HEADER] == "handoff.created"
    assert receiver.headers[0][signing.DELIVERY_HEADER] == handed_over(handoff, NOW).key


async def test_messages_and_closing_arrive_as_their_own_events(
    receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    crm = SignedWebhookCrm(http, receiver.url, SECRET, clock=lambda: NOW)
    handoff = await a_handoff()
    await crm.customer_wrote(handoff, customer_wrote(handoff, "telegram:m2", "Noch da?", NOW))
    await crm.closed(handoff, closed(handoff, "cancelled", NOW))
    assert [(e["event"], e["data"]) for e in receiver.received] == [
        ("message.created", {"handoff_id": handoff.id, "text": "Noch da?"}),
        ("handoff.closed", {"handoff_id": handoff.id, "how": "cancelled"}),
    ]


async def test_an_erasure_names_our_handoffs_and_the_crms_references(
    receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    crm = SignedWebhookCrm(http, receiver.url, SECRET, clock=lambda: NOW)
    handoff = await a_handoff()
    gone = erased([(handoff.id, "crm-77", handoff.requested_at)], NOW)
    await crm.erased(gone)
    [event] = receiver.received
    assert (event["event"], event["id"]) == ("contact.erased", gone.key)
    created = handed_over(handoff, NOW).key  # the id its handoff.created event had
    assert event["data"] == {
        "handoffs": [{"handoff_id": handoff.id, "created_event": created, "crm_ref": "crm-77"}]
    }
    assert receiver.headers[0][signing.EVENT_HEADER] == "contact.erased"


async def test_a_wrong_secret_is_refused_by_the_receiver_and_is_final(
    receiver: Receiver, http: aiohttp.ClientSession
) -> None:
    crm = SignedWebhookCrm(http, receiver.url, "another-secret", clock=lambda: NOW)
    handoff = await a_handoff()
    with pytest.raises(CrmError) as refused:
        await crm.closed(handoff, closed(handoff, "resolved", NOW))
    assert refused.value.permanent
    assert receiver.received == []


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (429, False), (404, True)])
async def test_which_answers_are_retried(
    receiver: Receiver, http: aiohttp.ClientSession, status: int, permanent: bool
) -> None:
    crm = SignedWebhookCrm(http, receiver.url, SECRET, clock=lambda: NOW)
    handoff = await a_handoff()
    receiver.answer_with = [status]
    with pytest.raises(CrmError) as failed:
        await crm.closed(handoff, closed(handoff, "resolved", NOW))
    assert failed.value.permanent is permanent
    assert SECRET not in str(failed.value)


async def test_an_unreachable_crm_is_retried(http: aiohttp.ClientSession) -> None:
    crm = SignedWebhookCrm(
        http, f"http://127.0.0.1:{free_port()}/x", SECRET, timeout_seconds=2, clock=lambda: NOW
    )
    handoff = await a_handoff()
    with pytest.raises(CrmError) as failed:
        await crm.closed(handoff, closed(handoff, "resolved", NOW))
    assert not failed.value.permanent


def test_a_signature_covers_the_body_and_the_timestamp_and_expires() -> None:
    body, stamp = b'{"event":"handoff.closed"}', str(int(NOW))
    signature = signing.sign(SECRET, stamp, body)
    assert signing.verify(SECRET, stamp, body, signature, NOW)
    assert not signing.verify(SECRET, stamp, body + b" ", signature, NOW)  # body changed
    assert not signing.verify(SECRET, str(int(NOW) + 1), body, signature, NOW)  # time changed
    assert not signing.verify(SECRET, stamp, body, signature, NOW + 301)  # replayed too late
    assert not signing.verify("", stamp, body, signing.sign("", stamp, body), NOW)  # no secret
    assert not signing.verify(SECRET, "yesterday", body, signature, NOW)
