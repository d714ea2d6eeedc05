"""The agent console in real Chromium: an agent logs in, sees a customer who asked for a
person through the Telegram webhook appear in the live queue, claims the conversation, reads
the transcript and the order, replies into Telegram, and resolves (the customer is asked for
a rating); while the agent has the conversation the bot stays silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from bot.channels.telegram_sender import render_html
from bot.storage.database import create_engine, session_factory
from bot.web.auth import Role, UserStore
from faq.misses import SqlMisses
from handlers.texts import text
from tests.conftest import wait_for
from tests.e2e.conftest import Stack
from tests.e2e.test_order_status_e2e import Conversation
from tests.e2e.test_simulator_browser import WAIT_MS, browser, screenshot_dir
from tests.e2e.test_telegram_e2e import photo_update, text_update

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
__all__ = ["browser", "screenshot_dir"]  # fixtures shared with the simulator's browser tests
PASSWORD = "richtig-geheim-123"
# A 1x1 PNG, the customer's "photo".
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201d5d3b1f90000000049454e44ae426082"
)


async def create_agent(stack: Stack, username: str) -> None:
    """An agent account, as `servicebot users create` makes it."""
    engine = create_engine(stack.settings.effective_database_url)
    await UserStore(session_factory(engine)).create(
        username, "Jonas Weber", PASSWORD, Role.AGENT, "de"
    )
    await engine.dispose()


async def test_an_agent_takes_over_replies_and_hands_back(
    stack: Stack, browser: Browser, screenshot_dir: Path
) -> None:
    await create_agent(stack, "jonas")  # the account manager of the key account below
    context = await browser.new_context(locale="de-DE", viewport={"width": 1024, "height": 768})
    page = await context.new_page()
    await page.goto(f"{stack.base_url}/agent")
    await page.locator("input[name=username]").fill("jonas")
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await expect(page.locator("h1")).to_have_text("Warteschlange")

    # A verified customer asks for a person; the open queue page shows them without a reload.
    customer = Conversation(stack, 9401)
    await customer.say("Wo bleibt KR-204815?")
    await customer.say("34117")
    await customer.say("Ich möchte bitte mit einem Mitarbeiter sprechen")
    card = page.locator(".queue li").filter(
        has_text="Schreinerei Holzmann GmbH (A, Jonas Weber) · Kunde möchte einen Menschen"
    )
    await expect(card).to_be_visible(timeout=WAIT_MS)
    await page.screenshot(path=screenshot_dir / "agent-queue.png", full_page=True)

    await card.get_by_role("button", name="Übernehmen").click()
    await expect(page.locator(".transcript")).to_contain_text("Wo bleibt KR-204815?")
    await expect(page.locator(".context")).to_contain_text("KR-204815")
    await expect(page.locator(".context")).to_contain_text("Jonas Weber")
    await page.screenshot(path=screenshot_dir / "agent-conversation.png", full_page=True)

    # The customer writes while the agent has the conversation: no bot answer.
    bot_messages = len(stack.standin.bot_messages(customer.chat_id))
    assert await stack.post_update(text_update(customer.chat_id, "Hallo, ist da jemand?")) == 200
    await expect(page.locator(".transcript")).to_contain_text(
        "Hallo, ist da jemand?", timeout=WAIT_MS
    )
    assert len(stack.standin.bot_messages(customer.chat_id)) == bot_messages

    # A photo of the delivery: the agent opens it from the transcript (fetched from Telegram).
    stack.standin.add_file("PHOTO-1", "photos/file_7.png", PNG)
    assert (
        await stack.post_update(photo_update(customer.chat_id, "PHOTO-1", "So sah es aus")) == 200
    )
    link = page.locator(".transcript a.media")
    await expect(link).to_be_visible(timeout=WAIT_MS)
    await expect(link.locator("img")).to_have_js_property("naturalWidth", 1)  # it loaded
    await page.screenshot(path=screenshot_dir / "agent-conversation-photo.png", full_page=True)
    opened = await page.request.get(f"{stack.base_url}{await link.get_attribute('href')}")
    assert (opened.status, opened.headers["content-type"]) == (200, "image/png")
    assert await opened.body() == PNG
    assert len(stack.standin.bot_messages(customer.chat_id)) == bot_messages

    # The agent flags the bot's first answer as wrong: it lands in the FAQ admin's inbox,
    # next to the request for a person the bot recorded as a hand-off.
    await page.locator(".transcript form.flag button").first.click()
    await expect(page.locator(".transcript .flagged")).to_be_visible()
    engine = create_engine(stack.settings.effective_database_url)
    misses = await SqlMisses(session_factory(engine)).open_misses()
    await engine.dispose()
    outcomes = {(m.text, m.outcome) for m in misses}
    assert ("Wo bleibt KR-204815?", "flagged") in outcomes
    assert ("Ich möchte bitte mit einem Mitarbeiter sprechen", "handoff") in outcomes

    await page.get_by_role("textbox", name="Antwort an den Kunden").fill(
        "Guten Tag, ich kümmere mich um Ihre Lieferung."
    )
    await page.get_by_role("button", name="Senden").click()
    await wait_for(
        lambda: (
            stack.standin.bot_messages(customer.chat_id)[-1].text
            == "Guten Tag, ich kümmere mich um Ihre Lieferung."
        ),
        seconds=15,
    )
    await expect(page.locator(".transcript")).to_contain_text("ich kümmere mich")

    await page.get_by_role("button", name="Erledigt – zurück an den Bot").click()
    await expect(page.locator("h1")).to_have_text("Warteschlange")
    await wait_for(
        lambda: (
            stack.standin.bot_messages(customer.chat_id)[-1].text
            == render_html(text("rating_prompt", "de"))
        ),
        seconds=15,
    )
    stars = [b["callback_data"] for b in stack.standin.bot_messages(customer.chat_id)[-1].buttons]
    assert stars == ["rate:1", "rate:2", "rate:3", "rate:4", "rate:5"]

    # Back with the bot: the rating is thanked, a question answered.
    customer.received = len(stack.standin.bot_messages(customer.chat_id))
    assert await customer.say(button="rate:5") == render_html(text("rating_thanks", "de"))
