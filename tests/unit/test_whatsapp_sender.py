"""WhatsAppSender over a real GraphClient against the Graph API stand-in (real HTTP, real
Redis for the window and the pacing): inside and outside the 24-hour window, Meta's error
codes, marking as read, pacing, and customers' media."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
import redis.asyncio as aioredis

from bot.channels.whatsapp_client import GraphClient
from bot.channels.whatsapp_media import WhatsAppMedia
from bot.channels.whatsapp_sender import (
    USER_BURST,
    USER_PER_SECOND,
    TemplateConfig,
    WhatsAppSender,
)
from bot.channels.whatsapp_window import CustomerWindow
from bot.errors import DeliveryError
from bot.keys import Keys
from bot.messages import Button, Reply
from bot.pacing import Pacer
from crm_bridge.media import MediaUnavailableError
from tests.graph_standin import (
    STANDIN_PHONE_NUMBER_ID,
    STANDIN_TOKEN,
    GraphState,
    graph_config,
    serve_graph,
)

KEYS = Keys(prefix="test")
CUSTOMER = "4915112345678"
TEMPLATES = TemplateConfig("kramer_antwort", {"de": "de", "en": "en_US"})
CHOICE = Reply(
    "Wobei kann ich helfen?",
    (Button("Bestellstatus", "order_status"), Button("Mitarbeiter", "handoff")),
    language="de",
)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let time pass."""
        self.now += seconds


@dataclass
class Rig:
    """The stand-in, and a sender wired to it as bot/whatsapp_wiring.py wires it."""

    state: GraphState
    url: str
    http: aiohttp.ClientSession
    client: GraphClient
    window: CustomerWindow
    pacer: Pacer
    clock: FakeClock
    sender: WhatsAppSender

    async def open_window(self, wa_id: str) -> None:
        """The customer just wrote: the window is open for us and for Meta."""
        now = time.time()
        await self.window.opened(wa_id, now)
        self.state.customer_wrote(wa_id, now)

    def with_token(self, token: str) -> WhatsAppSender:
        """The same sender with another access token."""
        client = GraphClient(self.http, graph_config(self.url, token=token))
        return sender_for(client, self.window, self.pacer)


def sender_for(client: GraphClient, window: CustomerWindow, pacer: Pacer) -> WhatsAppSender:
    """The sender of the stand-in's number."""
    return WhatsAppSender(
        client,
        window=window,
        pacer=pacer,
        keys=KEYS,
        phone_number_id=STANDIN_PHONE_NUMBER_ID,
        templates=TEMPLATES,
    )


@pytest.fixture
async def rig(redis: aioredis.Redis) -> AsyncIterator[Rig]:
    """Everything running; at the end no request may have broken Meta's rules."""
    state = GraphState()
    clock = FakeClock()
    async with serve_graph(state) as url, aiohttp.ClientSession() as http:
        client = GraphClient(http, graph_config(url))
        window = CustomerWindow(redis, KEYS)
        pacer = Pacer(redis, clock)
        yield Rig(state, url, http, client, window, pacer, clock, sender_for(client, window, pacer))


async def test_inside_the_window_a_reply_with_buttons_arrives_as_reply_buttons(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    wamid = await rig.sender.send(CUSTOMER, CHOICE)
    [sent] = rig.state.messages_to(CUSTOMER)
    assert wamid == sent.wamid
    assert sent.type == "interactive"
    interactive = sent.body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"] == "Wobei kann ich helfen?"
    assert [b["reply"] for b in interactive["action"]["buttons"]] == [
        {"id": "order_status", "title": "Bestellstatus"},
        {"id": "handoff", "title": "Mitarbeiter"},
    ]
    assert sent.failed_code is None  # Meta agrees the window is open
    assert rig.state.pending_statuses == []
    assert rig.state.violations == []


async def test_a_reply_of_several_messages_returns_the_last_ones_id(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    long_choice = Reply("Lieferbedingungen. " * 80, CHOICE.buttons, language="de")
    wamid = await rig.sender.send(CUSTOMER, long_choice)
    sent = rig.state.messages_to(CUSTOMER)
    assert [m.type for m in sent] == ["text", "interactive"]
    assert wamid == sent[-1].wamid
    assert rig.state.violations == []


@pytest.mark.parametrize(
    ("language", "code"), [("de", "de"), ("en", "en_US"), ("", "de"), ("fr", "de")]
)
async def test_outside_the_window_the_reply_goes_as_the_template_in_the_replys_language(
    rig: Rig, language: str, code: str
) -> None:
    reply = Reply("Ihre Bestellung\nist unterwegs.", CHOICE.buttons, language=language)
    wamid = await rig.sender.send(CUSTOMER, reply)
    [sent] = rig.state.messages_to(CUSTOMER)
    assert (sent.wamid, sent.type) == (wamid, "template")
    assert sent.body["template"]["name"] == "kramer_antwort"
    assert sent.body["template"]["language"] == {"code": code}
    assert sent.text == "Ihre Bestellung ist unterwegs."
    assert rig.state.pending_statuses == []  # templates are allowed at any time
    assert rig.state.violations == []


async def test_a_synchronous_131047_falls_back_to_the_template(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)  # our clock says open; Meta's does not
    rig.state.fail_next(131047, types={"interactive"})
    wamid = await rig.sender.send(CUSTOMER, CHOICE)
    [sent] = rig.state.messages_to(CUSTOMER)
    assert (sent.wamid, sent.type) == (wamid, "template")
    assert sent.text == CHOICE.text
    assert rig.state.violations == []


async def test_a_reply_of_several_messages_falls_back_to_one_template(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(131047, count=10, types={"text", "interactive"})
    options = tuple(Button(f"Filiale {n}", f"branch:{n}") for n in range(12))  # two lists
    await rig.sender.send(CUSTOMER, Reply("Welche Filiale?", options))
    assert [m.type for m in rig.state.messages_to(CUSTOMER)] == ["template"]


async def test_131051_on_an_interactive_message_falls_back_to_plain_text(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(131051, types={"interactive"})
    wamid = await rig.sender.send(CUSTOMER, CHOICE)
    [sent] = rig.state.messages_to(CUSTOMER)
    lines = f"{CHOICE.text}\n\n1. Bestellstatus\n2. Mitarbeiter"  # the options, to type back
    assert (sent.wamid, sent.type, sent.text) == (wamid, "text", lines)
    assert rig.state.violations == []


async def test_131051_after_a_long_text_does_not_repeat_the_text(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(131051, types={"interactive"})
    long_choice = Reply("Lieferbedingungen. " * 80, CHOICE.buttons)
    await rig.sender.send(CUSTOMER, long_choice)
    texts = [m.text for m in rig.state.messages_to(CUSTOMER)]
    assert texts.count(long_choice.text) == 1
    assert texts[-1] == "1. Bestellstatus\n2. Mitarbeiter"  # the options are not lost


async def test_131051_on_a_plain_text_is_a_permanent_failure(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(131051)
    with pytest.raises(DeliveryError) as raised:
        await rig.sender.send(CUSTOMER, Reply("Hallo"))
    assert raised.value.permanent
    assert rig.state.messages_to(CUSTOMER) == []


@pytest.mark.parametrize(("code", "at_least"), [(130429, 1.0), (131056, 6.0)])
async def test_rate_limits_raise_a_retryable_error_with_retry_after(
    rig: Rig, code: int, at_least: float
) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(code, status=400)
    with pytest.raises(DeliveryError) as raised:
        await rig.sender.send(CUSTOMER, CHOICE)
    assert not raised.value.permanent
    assert raised.value.retry_after is not None
    assert raised.value.retry_after >= at_least  # 131056: one message per 6 s to one user
    assert rig.state.messages_to(CUSTOMER) == []


@pytest.mark.parametrize("code", [100, 131026, 131009, 132000])
async def test_a_400_with_another_code_is_a_permanent_failure(rig: Rig, code: int) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(code, status=400)
    with pytest.raises(DeliveryError) as raised:
        await rig.sender.send(CUSTOMER, Reply("Hallo"))
    assert raised.value.permanent
    assert str(code) in str(raised.value)  # the code is kept for the log


@pytest.mark.parametrize(("code", "status"), [(None, 500), (131000, 500), (1, 400)])
async def test_metas_own_trouble_is_worth_retrying(rig: Rig, code: int | None, status: int) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(code, status=status)
    with pytest.raises(DeliveryError) as raised:
        await rig.sender.send(CUSTOMER, Reply("Hallo"))
    assert not raised.value.permanent


def _all_text(error: BaseException) -> str:
    """Everything an error says, down its chain (what a traceback in the log would show)."""
    parts = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current), *map(str, current.args)]
        current = current.__cause__ or current.__context__
    return " ".join(parts)


@pytest.mark.parametrize(
    ("code", "status"), [(None, 500), (130429, 400), (131026, 400), (190, 401)]
)
async def test_the_bearer_token_never_appears_in_an_error(
    rig: Rig, code: int | None, status: int
) -> None:
    await rig.open_window(CUSTOMER)
    rig.state.fail_next(code, status=status)
    with pytest.raises(DeliveryError) as raised:
        await rig.sender.send(CUSTOMER, Reply("Hallo"))
    assert STANDIN_TOKEN not in _all_text(raised.value)


async def test_a_refused_token_is_not_repeated_in_the_error(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    sender = rig.with_token("EAAG-rotated-but-still-secret")
    with pytest.raises(DeliveryError) as raised:
        await sender.send(CUSTOMER, Reply("Hallo"))
    assert raised.value.permanent
    assert "EAAG-rotated-but-still-secret" not in _all_text(raised.value)


async def test_after_a_131047_failure_status_the_template_is_sent(rig: Rig) -> None:
    # Our window says open, Meta's closed an hour ago: accepted now, failed in a status.
    await rig.window.opened(CUSTOMER, time.time())
    rig.state.customer_wrote(CUSTOMER, time.time() - 25 * 3600)
    failed = await rig.sender.send(CUSTOMER, Reply("Ihre Rechnung ist unterwegs.", language="en"))
    [status] = rig.state.pending_statuses
    assert (status["id"], status["status"]) == (failed, "failed")
    codes = [error["code"] for error in status["errors"]]
    wamid = await rig.sender.after_failure(CUSTOMER, "Ihre Rechnung ist unterwegs.", "en", codes)
    last = rig.state.messages_to(CUSTOMER)[-1]
    assert (last.wamid, last.type, last.text) == (wamid, "template", "Ihre Rechnung ist unterwegs.")
    assert last.body["template"]["language"] == {"code": "en_US"}
    assert rig.state.violations == []


async def test_after_a_failure_with_another_code_nothing_is_sent(rig: Rig) -> None:
    assert await rig.sender.after_failure(CUSTOMER, "Hallo", "de", [131026]) == ""
    assert rig.state.sent == []


async def test_acknowledging_a_button_marks_the_customers_message_read(rig: Rig) -> None:
    await rig.sender.acknowledge_button("wamid.HBgLNDkxNTExMjM0NTY3OBUCABIYFDNB")
    assert rig.state.read_marks == ["wamid.HBgLNDkxNTExMjM0NTY3OBUCABIYFDNB"]
    [request] = rig.state.requests
    assert request.body == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.HBgLNDkxNTExMjM0NTY3OBUCABIYFDNB",
    }
    assert rig.state.violations == []


async def test_a_failed_read_mark_is_not_worth_a_failure(rig: Rig) -> None:
    await rig.with_token("wrong-token").acknowledge_button("wamid.x")  # 401: no exception
    assert rig.state.read_marks == []


# ---------------------------------------------------------------------------------- pacing


async def test_the_sixth_message_in_a_burst_to_one_customer_waits_six_seconds(
    rig: Rig,
) -> None:
    key = KEYS.pacing(f"wa-user:{CUSTOMER}")
    waits = [await rig.pacer.reserve(key, USER_PER_SECOND, USER_BURST) for _ in range(6)]
    assert waits[:5] == [0.0] * 5
    assert waits[5] == pytest.approx(6.0, abs=0.01)
    rig.clock.advance(12.0)  # two slots refilled: the one reserved and one more
    assert await rig.pacer.reserve(key, USER_PER_SECOND, USER_BURST) == pytest.approx(0, abs=0.01)


async def test_the_sender_paces_each_customer_not_all_customers(rig: Rig) -> None:
    await rig.open_window(CUSTOMER)
    await rig.open_window("4915100000002")
    for _ in range(5):  # a burst: gone at once (the fake clock stands still)
        await asyncio.wait_for(rig.sender.send(CUSTOMER, Reply("Hallo")), 2)
    # Another customer does not wait for this one's bucket...
    await asyncio.wait_for(rig.sender.send("4915100000002", Reply("Hallo")), 2)
    other = KEYS.pacing("wa-user:4915100000003")
    assert await rig.pacer.reserve(other, USER_PER_SECOND, USER_BURST) == 0.0
    # ...while this customer's next message has to wait about six seconds.
    mine = KEYS.pacing(f"wa-user:{CUSTOMER}")
    assert await rig.pacer.reserve(mine, USER_PER_SECOND, USER_BURST) == pytest.approx(6.0, 0.01)
    with pytest.raises(TimeoutError):  # and the sender really holds it back
        await asyncio.wait_for(rig.sender.send(CUSTOMER, Reply("Hallo")), 0.5)
    assert len(rig.state.messages_to(CUSTOMER)) == 5
    assert rig.state.violations == []


# ----------------------------------------------------------------------------------- media


async def test_media_is_fetched_with_its_bytes_and_type(rig: Rig) -> None:
    rig.state.add_media("65463453", b"\xff\xd8\xff\xe0 a photo of the damaged pallet", "image/jpeg")
    rig.state.add_media("1234567890", b"OggS voice", "audio/ogg; codecs=opus")
    media = WhatsAppMedia(rig.client)
    photo = await media.fetch("65463453")
    assert (photo.content, photo.content_type) == (
        b"\xff\xd8\xff\xe0 a photo of the damaged pallet",
        "image/jpeg",
    )
    assert photo.filename == "whatsapp-65463453.jpg"
    voice = await media.fetch("1234567890")
    assert (voice.content, voice.content_type) == (b"OggS voice", "audio/ogg")
    downloads = [r for r in rig.state.requests if r.path.startswith("/media-download/")]
    assert [r.authorization for r in downloads] == [f"Bearer {STANDIN_TOKEN}"] * 2
    assert rig.state.violations == []


async def test_a_large_file_is_fetched_in_full(rig: Rig) -> None:
    content = bytes(range(256)) * 8 * 1024  # 2 MiB: a phone photo
    rig.state.add_media("777", content, "image/jpeg")
    photo = await WhatsAppMedia(rig.client).fetch("777")
    assert len(photo.content) == len(content)
    assert photo.content == content


async def test_the_download_needs_the_bearer_token(rig: Rig) -> None:
    rig.state.add_media("65463453", b"photo", "image/jpeg")
    async with rig.http.get(f"{rig.url}/media-download/65463453") as response:
        assert response.status == 401
    assert rig.state.violations == ["GET /media-download/65463453: no valid bearer token"]


async def test_unknown_media_is_unavailable(rig: Rig) -> None:
    with pytest.raises(MediaUnavailableError):
        await WhatsAppMedia(rig.client).fetch("404404")


async def test_a_download_link_to_a_host_not_metas_is_refused(rig: Rig) -> None:
    rig.state.add_media("65463453", b"photo", "image/jpeg")
    rig.state.media_url_base = "https://cdn.example.net"  # the token must never go there
    with pytest.raises(MediaUnavailableError):
        await WhatsAppMedia(rig.client).fetch("65463453")
    assert [r.path for r in rig.state.requests] == ["/v21.0/65463453"]
