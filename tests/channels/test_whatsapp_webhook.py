"""The WhatsApp webhook against Meta's recorded payloads and the Graph API stand-in's signed
deliveries, on a real Redis: the signature over the raw bytes, the verification handshake,
dedup of Meta's retries, batches, bad bodies, and the customer's 24-hour window."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.whatsapp import WhatsAppWebhook
from bot.channels.whatsapp_client import GraphClient
from bot.channels.whatsapp_window import CustomerWindow
from bot.inbound_queue import InboundQueue
from bot.keys import Keys
from bot.messages import Channel, InboundKind, InboundMessage
from bot.settings import REPO_ROOT
from tests.conftest import FIXTURES
from tests.graph_standin import (
    STANDIN_APP_SECRET,
    STANDIN_PHONE_NUMBER_ID,
    STANDIN_VERIFY_TOKEN,
    GraphState,
    customer_message_body,
    encode,
    first_message,
    graph_config,
    meta_signature,
    serve_graph,
    signed_headers,
    webhook_body,
)
from tests.net import free_port

WHATSAPP = FIXTURES / "whatsapp"
PAYLOADS = sorted(WHATSAPP.glob("*.json"))
KEYS = Keys(prefix="test")
PATH = "/webhooks/whatsapp"
MAX_BODY = 1024 * 1024
CUSTOMER = "972987654321"  # the pywa fixtures' customer
Client = TestClient[web.Request, web.Application]


def webhook_app(
    redis: aioredis.Redis, phone_number_id: str = STANDIN_PHONE_NUMBER_ID
) -> web.Application:
    """The webhook alone, as bot/app.py mounts it, enqueueing into `redis`."""
    webhook = WhatsAppWebhook(
        InboundQueue(redis, KEYS, dedup_ttl=60, max_length=1000),
        CustomerWindow(redis, KEYS),
        app_secret=STANDIN_APP_SECRET,
        verify_token=STANDIN_VERIFY_TOKEN,
        phone_number_id=phone_number_id,
        max_body_bytes=MAX_BODY,
    )
    app = web.Application(client_max_size=MAX_BODY + 64 * 1024)
    app.router.add_get(PATH, webhook.verify)
    app.router.add_post(PATH, webhook.handle)
    return app


@asynccontextmanager
async def running(redis: aioredis.Redis, phone_number_id: str) -> AsyncIterator[Client]:
    """A test client of the webhook for one business number."""
    async with TestClient(TestServer(webhook_app(redis, phone_number_id))) as test_client:
        yield test_client


@pytest.fixture
async def client(redis: aioredis.Redis) -> AsyncIterator[Client]:
    """The webhook of the pywa fixtures' business number."""
    async with running(redis, STANDIN_PHONE_NUMBER_ID) as test_client:
        yield test_client


@pytest.fixture
def window(redis: aioredis.Redis) -> CustomerWindow:
    """The window store the webhook writes to (same Redis, same keys)."""
    return CustomerWindow(redis, KEYS)


async def queued(redis: aioredis.Redis) -> list[InboundMessage]:
    """What the webhook appended to the inbound stream, in order."""
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await redis.xrange(KEYS.inbound_stream))
    return [InboundMessage.from_json(fields[b"message"]) for _id, fields in entries]


async def post(client: Client, body: bytes, secret: str = STANDIN_APP_SECRET) -> int:
    """POST raw bytes signed as Meta signs them; the HTTP status."""
    response = await client.post(PATH, data=body, headers=signed_headers(secret, body))
    assert response.status < 500, await response.text()
    return response.status


async def post_json(client: Client, payload: dict[str, Any]) -> int:
    """POST a body built in the test, signed over the bytes posted."""
    return await post(client, encode(payload))


def load(name: str) -> dict[str, Any]:
    """A recorded payload as parsed JSON (for tests that change it)."""
    payload: dict[str, Any] = json.loads((WHATSAPP / f"{name}.json").read_text())
    return payload


def value_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The first change's value of a delivery."""
    value: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]
    return value


def test_the_project_keeps_byte_identical_copies_of_every_shared_fixture() -> None:
    shared = REPO_ROOT.parent / "shared" / "fixtures" / "whatsapp"
    if shared.exists():  # outside this workplace only our copies exist
        for original in shared.rglob("*.json"):
            copy_path = WHATSAPP / original.relative_to(shared)
            assert copy_path.read_bytes() == original.read_bytes(), copy_path
    assert len(PAYLOADS) == 7
    assert len(list((WHATSAPP / "responses").glob("*.json"))) == 2


# (chat, kind, text, payload, display name) of what each recorded payload queues
EXPECTED = {
    "meta_docs_text_message": (
        "16505551234",
        InboundKind.TEXT,
        "Does it come in another color?",
        "",
        "Sheena Nelson",
    ),
    "pywa_text": (CUSTOMER, InboundKind.TEXT, "Body Text", "", "Test Name"),
    "pywa_image": (CUSTOMER, InboundKind.MEDIA, "", "photo:65463453", "Test Name"),
    "pywa_audio_voice": (
        CUSTOMER,
        InboundKind.MEDIA,
        "",
        "voice:1234567890987654321",
        "Test Name",
    ),
    "pywa_interactive_button_reply": (
        CUSTOMER,
        InboundKind.BUTTON,
        "",
        "callback_data",
        "Test Name",
    ),
    "pywa_location_chosen": (
        CUSTOMER,
        InboundKind.UNSUPPORTED,
        "[location] Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025",
        "",
        "Test Name",
    ),
    "pywa_status_delivered": (
        CUSTOMER,
        InboundKind.STATUS,
        "",
        json.dumps({"id": "wamid.xyzxyz", "status": "delivered", "errors": []}),
        "",
    ),
}


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.stem)
async def test_every_recorded_payload_signed_over_its_own_bytes_is_queued(
    redis: aioredis.Redis, path: Path
) -> None:
    raw = path.read_bytes()
    recorded = json.loads(raw)
    number = value_of(recorded)["metadata"]["phone_number_id"]
    async with running(redis, number) as test_client:
        response = await test_client.post(
            PATH, data=raw, headers={"X-Hub-Signature-256": meta_signature(STANDIN_APP_SECRET, raw)}
        )
        assert response.status == 200
        assert (await response.json())["accepted"] == 1
    [message] = await queued(redis)
    chat, kind, text, payload, name = EXPECTED[path.stem]
    assert message.channel is Channel.WHATSAPP
    assert (message.chat_id, message.user_id) == (chat, chat)
    assert (message.kind, message.text, message.display_name) == (kind, text, name)
    if kind is InboundKind.STATUS:
        assert json.loads(message.payload) == json.loads(payload)
        status = value_of(recorded)["statuses"][0]
        assert message.message_id == f"status:{status['id']}:delivered"
        assert message.received_at == float(status["timestamp"])
    else:
        assert message.payload == payload
        sent = value_of(recorded)["messages"][0]
        assert message.message_id == sent["id"]
        assert message.callback_id == sent["id"]  # marked as read to acknowledge a button
        assert message.received_at == float(sent["timestamp"])


Signed = tuple[bytes, str | None]


def _redumped(raw: bytes) -> Signed:
    """The original bytes with a signature over the same JSON serialised anew."""
    return raw, meta_signature(STANDIN_APP_SECRET, json.dumps(json.loads(raw)).encode())


SIGNATURES: dict[str, Callable[[bytes], Signed]] = {
    "wrong secret": lambda raw: (raw, meta_signature("another-app-secret", raw)),
    "missing": lambda raw: (raw, None),
    "empty": lambda raw: (raw, ""),
    "over a re-dumped body": _redumped,
    "without the sha256= prefix": lambda raw: (
        raw,
        meta_signature(STANDIN_APP_SECRET, raw).removeprefix("sha256="),
    ),
    "of another body": lambda raw: (raw, meta_signature(STANDIN_APP_SECRET, raw + b"\n")),
}


@pytest.mark.parametrize("path", PAYLOADS, ids=lambda p: p.stem)
@pytest.mark.parametrize("case", SIGNATURES, ids=str)
async def test_a_missing_or_wrong_signature_is_refused_and_nothing_is_queued(
    client: Client, redis: aioredis.Redis, window: CustomerWindow, path: Path, case: str
) -> None:
    body, header = SIGNATURES[case](path.read_bytes())
    headers = {} if header is None else {"X-Hub-Signature-256": header}
    response = await client.post(PATH, data=body, headers=headers)
    assert response.status == 401
    assert await queued(redis) == []
    assert not await window.is_open(CUSTOMER)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": STANDIN_VERIFY_TOKEN}, 200),
        ({"hub.mode": "subscribe", "hub.verify_token": "guessed"}, 403),
        ({"hub.mode": "subscribe", "hub.verify_token": STANDIN_VERIFY_TOKEN + "x"}, 403),
        ({"hub.mode": "subscribe"}, 403),
        ({"hub.mode": "unsubscribe", "hub.verify_token": STANDIN_VERIFY_TOKEN}, 403),
        ({"hub.verify_token": STANDIN_VERIFY_TOKEN}, 403),
    ],
)
async def test_the_verification_handshake_echoes_the_challenge_only_for_our_token(
    client: Client, query: dict[str, str], status: int
) -> None:
    response = await client.get(PATH, params={**query, "hub.challenge": "1158201444"})
    assert response.status == status
    if status == 200:
        assert await response.text() == "1158201444"
    else:
        assert "1158201444" not in await response.text()


async def test_a_delivery_meta_retries_is_queued_once(
    client: Client, redis: aioredis.Redis
) -> None:
    raw = (WHATSAPP / "pywa_text.json").read_bytes()
    first = await client.post(PATH, data=raw, headers=signed_headers(STANDIN_APP_SECRET, raw))
    second = await client.post(PATH, data=raw, headers=signed_headers(STANDIN_APP_SECRET, raw))
    assert (first.status, second.status) == (200, 200)  # 200 both times, or Meta keeps trying
    assert ((await first.json())["accepted"], (await second.json())["accepted"]) == (1, 0)
    assert len(await queued(redis)) == 1


async def test_every_message_and_status_of_a_batch_is_queued(
    client: Client, redis: aioredis.Redis
) -> None:
    text = customer_message_body("4915100000001", "Wo bleibt meine Lieferung?", name="Petra")
    button = customer_message_body("4915100000002", button=("order_status", "Bestellung"))
    image = load("pywa_image")
    status = load("pywa_status_delivered")
    recorded_status = value_of(status)["statuses"][0]
    sent = copy.deepcopy(recorded_status) | {"status": "sent", "id": "wamid.s"}
    read = copy.deepcopy(recorded_status) | {"status": "read", "id": "wamid.r"}
    # Entry 1: one change with two customers' messages, then one with a status.
    value = value_of(text)
    value["messages"] += value_of(button)["messages"]
    value["contacts"] += value_of(button)["contacts"]
    text["entry"][0]["changes"].append(status["entry"][0]["changes"][0])
    # Entry 2: a message and two statuses of other messages in one change.
    value_of(image)["statuses"] = [sent, read]
    text["entry"] += image["entry"]
    assert await post_json(client, text) == 200
    got = [(m.kind, m.chat_id, m.display_name) for m in await queued(redis)]
    assert got == [
        (InboundKind.TEXT, "4915100000001", "Petra"),
        (InboundKind.BUTTON, "4915100000002", "Test Name"),
        (InboundKind.STATUS, CUSTOMER, ""),
        (InboundKind.MEDIA, CUSTOMER, "Test Name"),
        (InboundKind.STATUS, CUSTOMER, ""),
        (InboundKind.STATUS, CUSTOMER, ""),
    ]


async def test_changes_for_another_number_or_another_field_are_acknowledged_and_skipped(
    client: Client, redis: aioredis.Redis, window: CustomerWindow
) -> None:
    other_number = customer_message_body(CUSTOMER, "hallo", phone_number_id="999999999")
    template_review = {
        "value": {"event": "APPROVED", "message_template_name": "servicebot_followup"},
        "field": "message_template_status_update",
    }
    other_number["entry"][0]["changes"].append(template_review)
    assert await post_json(client, other_number) == 200
    assert await queued(redis) == []
    assert not await window.is_open(CUSTOMER)


def _without(name: str, *path: str | int) -> bytes:
    """A recorded payload with one field removed."""
    payload: Any = load(name)
    parent = payload
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return encode(payload)


MESSAGE = ("entry", 0, "changes", 0, "value", "messages", 0)
STATUS = ("entry", 0, "changes", 0, "value", "statuses", 0)
BAD_BODIES = {
    "not JSON": b"not json at all",
    "not UTF-8": b"\xff\xfe\x00garbage",
    "a JSON list": b"[]",
    "another object": b'{"object": "page", "entry": []}',
    "entry not a list": b'{"object": "whatsapp_business_account", "entry": {"id": "1"}}',
    "changes not a list": b'{"object": "whatsapp_business_account", "entry": [{"changes": 1}]}',
    "messages not a list": encode(
        webhook_body({"metadata": {"phone_number_id": STANDIN_PHONE_NUMBER_ID}, "messages": {}})
    ),
}
# One malformed item of a batch: skipped, so that Meta does not retry the batch for days and
# the good messages in it still reach us.
BAD_ITEMS = {
    "message without from": _without("pywa_text", *MESSAGE, "from"),
    "message without id": _without("pywa_text", *MESSAGE, "id"),
    "text without body": _without("pywa_text", *MESSAGE, "text", "body"),
    "status without id": _without("pywa_status_delivered", *STATUS, "id"),
    "status without recipient": _without("pywa_status_delivered", *STATUS, "recipient_id"),
}


@pytest.mark.parametrize("case", BAD_BODIES, ids=str)
async def test_a_signed_body_of_the_wrong_shape_gets_a_400_never_a_500(
    client: Client, redis: aioredis.Redis, case: str
) -> None:
    response = await client.post(
        PATH, data=BAD_BODIES[case], headers=signed_headers(STANDIN_APP_SECRET, BAD_BODIES[case])
    )
    assert response.status == 400
    assert (await response.json())["ok"] is False
    assert await queued(redis) == []


@pytest.mark.parametrize("case", BAD_ITEMS, ids=str)
async def test_a_malformed_item_is_skipped_and_the_rest_of_the_batch_queued(
    client: Client, redis: aioredis.Redis, case: str
) -> None:
    batch = json.loads(BAD_ITEMS[case])
    good = json.loads(encode(customer_message_body(CUSTOMER, "Was kostet der Versand?")))
    batch["entry"] += good["entry"]
    body = encode(batch)
    response = await client.post(PATH, data=body, headers=signed_headers(STANDIN_APP_SECRET, body))
    assert response.status == 200
    assert [m.text for m in await queued(redis)] == ["Was kostet der Versand?"]


async def test_a_deeply_nested_signed_body_is_a_400(client: Client) -> None:
    body = b"[" * 100_000
    response = await client.post(PATH, data=body, headers=signed_headers(STANDIN_APP_SECRET, body))
    assert response.status == 400


async def test_a_body_over_the_limit_is_refused_one_at_the_limit_is_not(
    client: Client, redis: aioredis.Redis
) -> None:
    empty = customer_message_body(CUSTOMER, "")
    at_limit = customer_message_body(CUSTOMER, "x" * (MAX_BODY - len(encode(empty))))
    assert len(encode(at_limit)) == MAX_BODY
    over = customer_message_body(CUSTOMER, "x" * (MAX_BODY + 1))
    assert await post_json(client, over) == 413
    assert await queued(redis) == []
    assert await post_json(client, at_limit) == 200
    assert len(await queued(redis)) == 1


async def test_redis_unreachable_is_a_503_so_that_meta_retries() -> None:
    nowhere = aioredis.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    try:
        async with TestClient(TestServer(webhook_app(nowhere))) as test_client:
            raw = (WHATSAPP / "pywa_text.json").read_bytes()
            response = await test_client.post(
                PATH, data=raw, headers=signed_headers(STANDIN_APP_SECRET, raw)
            )
            assert response.status == 503
    finally:
        await nowhere.aclose()


# ------------------------------------------------------------------ the 24-hour window


async def test_a_customer_message_opens_the_customers_window(
    client: Client, window: CustomerWindow
) -> None:
    assert not await window.is_open("4915100000009")
    body = customer_message_body("4915100000009", "Guten Morgen", timestamp=time.time() - 60)
    assert await post_json(client, body) == 200
    assert await window.is_open("4915100000009")
    closes_at = await window.closes_at("4915100000009")
    assert closes_at == pytest.approx(time.time() - 60 + 24 * 3600, abs=5)


async def test_a_button_press_and_a_message_we_cannot_read_open_it_too(
    client: Client, window: CustomerWindow
) -> None:
    button = customer_message_body("4915100000010", button=("handoff", "Mitarbeiter"))
    sticker = customer_message_body("4915100000011", "")
    message = first_message(sticker)
    del message["text"]
    message |= {"type": "sticker", "sticker": {"id": "sticker-1", "mime_type": "image/webp"}}
    assert await post_json(client, button) == 200
    assert await post_json(client, sticker) == 200
    assert await window.is_open("4915100000010")
    assert await window.is_open("4915100000011")


async def test_a_status_of_our_message_does_not_open_the_window(
    client: Client, redis: aioredis.Redis, window: CustomerWindow
) -> None:
    status = load("pywa_status_delivered")
    value_of(status)["statuses"][0]["timestamp"] = str(int(time.time()))
    assert await post_json(client, status) == 200
    assert [m.kind for m in await queued(redis)] == [InboundKind.STATUS]
    assert not await window.is_open(CUSTOMER)


async def test_a_reaction_does_not_open_the_window(
    client: Client, redis: aioredis.Redis, window: CustomerWindow
) -> None:
    body = customer_message_body(CUSTOMER, "")
    message = first_message(body)
    del message["text"]
    message |= {"type": "reaction", "reaction": {"message_id": "wamid.ours", "emoji": "👍"}}
    assert await post_json(client, body) == 200
    [reaction] = await queued(redis)
    assert (reaction.kind, reaction.text, reaction.payload) == (
        InboundKind.REACTION,
        "👍",
        "wamid.ours",
    )
    assert not await window.is_open(CUSTOMER)


async def test_a_message_written_more_than_24_hours_ago_does_not_open_it(
    client: Client, redis: aioredis.Redis, window: CustomerWindow
) -> None:
    late = customer_message_body(CUSTOMER, "noch da?", timestamp=time.time() - 25 * 3600)
    assert await post_json(client, late) == 200
    assert len(await queued(redis)) == 1  # still for the agent to read
    assert not await window.is_open(CUSTOMER)
    # The recorded payloads are from 2023: none of them opens a window today.
    raw = (WHATSAPP / "pywa_text.json").read_bytes()
    await post(client, raw)
    assert not await window.is_open(CUSTOMER)


async def test_an_older_redelivery_never_shortens_the_window(
    client: Client, window: CustomerWindow
) -> None:
    now = time.time()
    assert await post_json(client, customer_message_body(CUSTOMER, "neu", timestamp=now)) == 200
    older = customer_message_body(CUSTOMER, "alt", timestamp=now - 3600)
    assert await post_json(client, older) == 200
    assert await window.closes_at(CUSTOMER) == pytest.approx(now + 24 * 3600, abs=2)


# ------------------------------------------------ deliveries from the Graph API stand-in


async def test_the_standins_customer_messages_and_statuses_arrive_as_meta_sends_them(
    client: Client, redis: aioredis.Redis, window: CustomerWindow
) -> None:
    """A customer writes, our message is sent and read, one sent after Meta's window fails."""
    state = GraphState()
    url = str(client.make_url(PATH))
    async with serve_graph(state) as graph_url, aiohttp.ClientSession() as http:
        graph = GraphClient(http, graph_config(graph_url))
        status, wamid = await state.post_customer_message(
            http, url, STANDIN_APP_SECRET, "4915100000020", "Hallo"
        )
        assert status == 200
        delivered = await graph.send(
            {"to": "4915100000020", "type": "text", "text": {"body": "Gern!"}}
        )
        state.customer_wrote("4915100000021", time.time() - 25 * 3600)
        failed = await graph.send({"to": "4915100000021", "type": "text", "text": {"body": "Hi"}})
        progress = ("sent", "delivered", "read")
        pushed = await state.push_statuses(http, url, STANDIN_APP_SECRET, progress=progress)
        assert pushed == 200
        assert await state.push_statuses(http, url, STANDIN_APP_SECRET, progress=progress) == 0
    assert state.violations == []
    messages = await queued(redis)
    assert (messages[0].kind, messages[0].text, messages[0].message_id) == (
        InboundKind.TEXT,
        "Hallo",
        wamid,
    )
    assert await window.is_open("4915100000020")
    statuses = [json.loads(m.payload) for m in messages[1:]]
    assert [(s["id"], s["status"]) for s in statuses] == [
        (failed, "failed"),
        (delivered, "sent"),
        (delivered, "delivered"),
        (delivered, "read"),
    ]
    assert statuses[0]["errors"] == [{"code": 131047, "title": "Re-engagement message"}]
    assert not await window.is_open("4915100000021")  # a failed status opens nothing
