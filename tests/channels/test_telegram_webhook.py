"""The Telegram webhook against the real recorded payloads, on a real Redis."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram import SECRET_HEADER, TelegramWebhook, parse_update
from bot.errors import PayloadError
from bot.inbound_queue import InboundQueue
from bot.keys import Keys
from bot.messages import InboundKind
from bot.settings import REPO_ROOT
from tests.conftest import FIXTURES

SECRET = "s3cret-token_ABC"
TELEGRAM = FIXTURES / "telegram"
UPDATES = sorted(TELEGRAM.glob("*.json"))
KEYS = Keys(prefix="test")


@pytest.fixture
async def client(redis: aioredis.Redis) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    """The webhook alone, on an aiohttp test server, enqueueing into real Redis."""
    queue = InboundQueue(redis, KEYS, dedup_ttl=60, max_length=1000)
    webhook = TelegramWebhook(queue, SECRET, max_body_bytes=1024 * 1024)
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app.router.add_post("/webhooks/telegram", webhook.handle)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def stream_length(redis: aioredis.Redis) -> int:
    """How many entries the webhook appended."""
    return int(await redis.xlen(KEYS.inbound_stream))


def test_the_project_keeps_its_own_copies_of_every_shared_fixture() -> None:
    shared = REPO_ROOT.parent / "shared" / "fixtures" / "telegram"
    if shared.exists():  # outside this workplace only our copies exist
        names = {p.name for p in shared.glob("*.json")}
        assert names <= {p.name for p in UPDATES}
    assert len(UPDATES) == 5


@pytest.mark.parametrize("path", UPDATES, ids=lambda p: p.stem)
async def test_every_recorded_update_is_handled_or_cleanly_rejected(
    client: TestClient[web.Request, web.Application], redis: aioredis.Redis, path: Path
) -> None:
    response = await client.post(
        "/webhooks/telegram", data=path.read_bytes(), headers={SECRET_HEADER: SECRET}
    )
    body = await response.json()
    expected = {
        "teloxide_message_text_private": (200, 1),
        "yiv_photo_with_caption": (200, 1),
        "telegram_rs_callback_query_inline_keyboard": (200, 1),
        "teloxide_my_chat_member_kicked_private": (200, 1),
        # 2015-era shape without from.is_bot: rejected with a reason, never a 5xx
        "tg_docs_message_text": (400, 0),
    }[path.stem]
    assert (response.status, await stream_length(redis)) == expected
    if response.status == 400:
        assert "not a valid Telegram update" in body["error"]


@pytest.mark.parametrize("path", UPDATES, ids=lambda p: p.stem)
@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_a_missing_or_wrong_secret_is_rejected_and_nothing_is_queued(
    client: TestClient[web.Request, web.Application],
    redis: aioredis.Redis,
    path: Path,
    secret: str | None,
) -> None:
    headers = {} if secret is None else {SECRET_HEADER: secret}
    response = await client.post("/webhooks/telegram", data=path.read_bytes(), headers=headers)
    assert response.status == 401
    assert await stream_length(redis) == 0


async def test_a_redelivered_update_is_queued_once(
    client: TestClient[web.Request, web.Application], redis: aioredis.Redis
) -> None:
    body = (TELEGRAM / "teloxide_message_text_private.json").read_bytes()
    first = await client.post("/webhooks/telegram", data=body, headers={SECRET_HEADER: SECRET})
    second = await client.post("/webhooks/telegram", data=body, headers={SECRET_HEADER: SECRET})
    assert (first.status, second.status) == (200, 200)  # 200 both times, or Telegram retries
    assert (await first.json())["duplicate"] is False
    assert (await second.json())["duplicate"] is True
    assert await stream_length(redis) == 1


async def test_a_body_over_one_megabyte_is_refused(
    client: TestClient[web.Request, web.Application], redis: aioredis.Redis
) -> None:
    update = json.loads((TELEGRAM / "teloxide_message_text_private.json").read_text())
    update["message"]["text"] = "x" * (1024 * 1024)
    response = await client.post(
        "/webhooks/telegram", data=json.dumps(update), headers={SECRET_HEADER: SECRET}
    )
    assert response.status == 413
    assert await stream_length(redis) == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "not JSON"),
        (b"\xff\xfe garbage", "not JSON"),
        (b"[1, 2, 3]", "integer update_id"),
        (b'{"message": {"text": "hi"}}', "integer update_id"),
        (b'{"update_id": "12"}', "integer update_id"),
        (b'{"update_id": 5, "message": {"text": "no chat, no date"}}', "not a valid"),
        (b'{"update_id": true}', "integer update_id"),
        (b'{"update_id": 5, "message": "a string"}', "not a valid"),
        (b'{"update_id": 5, "my_chat_member": {"chat": {"id": 1, "type": "private"}}}', "not a"),
        (
            b'{"update_id": 5, "message": {"message_id": 1, "date": 0, "text": 12, '
            b'"chat": {"id": 1, "type": "private"}, '
            b'"from": {"id": 1, "is_bot": false, "first_name": "A"}}}',
            "not a valid",
        ),
    ],
)
async def test_malformed_bodies_get_a_400_with_a_reason(
    client: TestClient[web.Request, web.Application],
    redis: aioredis.Redis,
    body: bytes,
    reason: str,
) -> None:
    response = await client.post("/webhooks/telegram", data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    assert reason in (await response.json())["error"]
    assert await stream_length(redis) == 0


async def test_update_types_we_do_not_handle_are_acknowledged_and_ignored(
    client: TestClient[web.Request, web.Application], redis: aioredis.Redis
) -> None:
    edited = json.loads((TELEGRAM / "teloxide_message_text_private.json").read_text())
    edited["edited_message"] = edited.pop("message")
    response = await client.post(
        "/webhooks/telegram", data=json.dumps(edited), headers={SECRET_HEADER: SECRET}
    )
    assert response.status == 200
    assert (await response.json())["ignored"] is True
    assert await stream_length(redis) == 0


def load(name: str) -> object:
    """A recorded update as parsed JSON."""
    return json.loads((TELEGRAM / f"{name}.json").read_text())


def test_a_private_text_message_is_normalised() -> None:
    message = parse_update(load("teloxide_message_text_private"))
    assert message is not None
    assert message.kind is InboundKind.TEXT
    assert message.message_id == "892252934"
    assert message.conversation_key == f"telegram:{message.chat_id}"
    assert message.text
    assert message.user_id == message.chat_id  # private chat: the chat is the user


def test_a_photo_is_kept_by_its_file_id_with_the_caption() -> None:
    message = parse_update(load("yiv_photo_with_caption"))
    assert message is not None
    assert message.kind is InboundKind.MEDIA
    assert message.text == "2sf"
    assert message.payload == (
        "photo:AgACAgUAAxkBAAOaXsTXrJpeG4gP_tUlUQXSDA14lnkAAkypMRvgnylWGv_0CCWYhGvWX2ZqdAADAQADAgADbQADpzwEAAEZBA"
    )


@pytest.mark.parametrize(
    ("field", "attachment", "kind"),
    [
        ("document", {"file_id": "D1", "file_unique_id": "u"}, "document:D1"),
        ("voice", {"file_id": "V1", "file_unique_id": "u", "duration": 3}, "voice:V1"),
        ("sticker", None, ""),
    ],
)
def test_documents_and_voice_messages_are_kept_a_sticker_is_not(
    field: str, attachment: dict[str, object] | None, kind: str
) -> None:
    recorded = load("tg_docs_message_text")
    assert isinstance(recorded, dict)
    update: dict[str, Any] = recorded
    del update["message"]["text"]
    if attachment is None:  # a sticker: nothing an agent needs to open
        update["message"]["sticker"] = {
            "file_id": "S1",
            "file_unique_id": "u",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    else:
        update["message"][field] = attachment
    update["message"]["from"]["is_bot"] = False
    message = parse_update(update)
    assert message is not None
    assert message.payload == kind
    assert message.kind is (InboundKind.MEDIA if kind else InboundKind.UNSUPPORTED)


def test_a_button_press_carries_its_data_and_callback_id() -> None:
    message = parse_update(load("telegram_rs_callback_query_inline_keyboard"))
    assert message is not None
    assert message.kind is InboundKind.BUTTON
    assert (message.payload, message.callback_id) == ("test", "3869607449858959801")
    assert message.chat_id == "-1001254477603"
    assert message.language_hint == "en"


def test_being_blocked_is_recognised() -> None:
    message = parse_update(load("teloxide_my_chat_member_kicked_private"))
    assert message is not None
    assert message.kind is InboundKind.BLOCKED


def test_being_unblocked_is_ignored() -> None:
    update = load("teloxide_my_chat_member_kicked_private")
    assert isinstance(update, dict)
    update["my_chat_member"]["new_chat_member"]["status"] = "member"
    assert parse_update(update) is None


def test_group_messages_are_not_answered() -> None:
    update = load("teloxide_message_text_private")
    assert isinstance(update, dict)
    update["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Baustelle"}
    assert parse_update(update) is None


def contact_update(own: bool) -> object:
    """The recorded private message turned into a shared contact (the Bot API's shape)."""
    update = load("teloxide_message_text_private")
    assert isinstance(update, dict)
    message = update["message"]
    del message["text"]
    sender_id = message["from"]["id"]
    message["contact"] = {
        "phone_number": "4956170001001",  # Telegram sends it without the plus
        "first_name": "Petra",
        "user_id": sender_id if own else sender_id + 1,
    }
    return update


def test_the_customers_own_shared_number_is_normalised() -> None:
    message = parse_update(contact_update(own=True))
    assert message is not None
    assert (message.kind, message.payload) == (InboundKind.CONTACT, "4956170001001")


def test_someone_elses_contact_card_carries_no_number() -> None:
    message = parse_update(contact_update(own=False))
    assert message is not None
    assert (message.kind, message.payload) == (InboundKind.CONTACT, "")


def test_the_old_update_shape_is_rejected_cleanly() -> None:
    with pytest.raises(PayloadError):
        parse_update(load("tg_docs_message_text"))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path into a JSON document."""
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_mangled_recorded_update_is_accepted_ignored_or_rejected_never_a_crash(
    data: st.DataObject,
) -> None:
    update = json.loads(data.draw(st.sampled_from(UPDATES)).read_text())
    path = data.draw(st.sampled_from(_paths(update)[1:]))
    parent = update
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = data.draw(JSON)
    try:
        message = parse_update(update)
    except PayloadError:
        return
    if message is not None:  # what reaches the engine is well-typed
        fields = (
            message.message_id,
            message.chat_id,
            message.user_id,
            message.text,
            message.payload,
            message.display_name,
        )
        assert all(isinstance(field, str) for field in fields)
        assert message.language_hint is None or isinstance(message.language_hint, str)
        assert message.callback_id is None or isinstance(message.callback_id, str)
