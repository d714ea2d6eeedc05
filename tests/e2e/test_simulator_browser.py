"""The simulator page in real Chromium: a customer types, the real stack answers on the page."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import Browser, Error, Page, async_playwright, expect

from bot.devtools.simulator import CHAT_ID
from faq.seed import load_faq_file
from handlers.texts import text
from tests.conftest import wait_for
from tests.e2e.conftest import Stack

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    # Without these Chromium keeps dialling Google on the closed network and logs every failure.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000  # the first answer goes through the real Rasa model


def faq_answer(slug: str, language: str) -> str:
    """The demo FAQ answer as shipped in demo_faq.yaml."""
    return next(e.answer for e in load_faq_file() if (e.slug, e.language) == (slug, language))


def visible(markup: str) -> str:
    """Our *bold* markup as the customer reads it on the page."""
    return markup.replace("*", "")


def disclosure(stack: Stack, language: str) -> str:
    """The first reply to a new contact, with the stack's privacy policy."""
    return visible(
        text("disclosure", language).format(policy_url=stack.settings.privacy_policy_url)
    )


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browsers cannot be downloaded here)."""
    assert Path(CHROMIUM).exists(), "install Debian's Chromium: apt-get install -y chromium"
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """Where screenshots go: $SERVICEBOT_SCREENSHOT_DIR for CI artefacts, else the temp dir."""
    directory = Path(os.environ.get("SERVICEBOT_SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@dataclass
class Phone:
    """The simulator open in a browser tab, and the uncaught script errors it has thrown."""

    page: Page
    script_errors: list[Error] = field(default_factory=list)

    async def send(self, message: str, *, click_send: bool = False) -> None:
        """Type into the composer and press Enter (or click "Senden"), as a customer does."""
        box = self.page.get_by_role("textbox", name="Nachricht")
        await box.fill(message)
        if click_send:
            await self.page.get_by_role("button", name="Senden").click()
        else:
            await box.press("Enter")
        await expect(box).to_have_value("")

    def record_error(self, error: Error) -> None:
        """Playwright's "pageerror" handler (it needs a Python function, not a builtin)."""
        self.script_errors.append(error)


async def open_simulator(browser: Browser, stack: Stack, locale: str) -> Phone:
    """A new customer's phone: the simulator in a fresh context with the browser's language."""
    context = await browser.new_context(locale=locale, viewport={"width": 420, "height": 900})
    phone = Phone(await context.new_page())
    phone.page.on("pageerror", phone.record_error)
    await phone.page.goto(f"{stack.base_url}/dev/simulator")
    await expect(phone.page.locator("#empty")).to_be_visible()
    return phone


async def test_a_german_question_gets_the_disclosure_and_the_faq_answer(
    dev_stack: Stack, browser: Browser, screenshot_dir: Path
) -> None:
    phone = await open_simulator(browser, dev_stack, "de-DE")
    page = phone.page
    await phone.send("Was kostet der Versand?")

    await expect(page.locator(".msg.customer")).to_have_text(["Was kostet der Versand?"])
    bot = page.locator(".msg.bot")
    await expect(bot).to_have_count(2, timeout=WAIT_MS)
    await expect(bot.nth(0)).to_have_text(disclosure(dev_stack, "de"))
    answer = faq_answer("shipping_costs", "de")
    await expect(bot.nth(1)).to_have_text(visible(answer))
    await expect(bot.nth(1).locator("b")).to_have_text("Versandkosten (netto, Deutschland)")
    await expect(bot.nth(1)).to_contain_text("pauschal 6,90 €")
    await expect(page.locator("#empty")).to_have_count(0)
    await expect(page.locator("#status")).to_be_empty()
    assert "digitale Assistent" in dev_stack.standin.bot_messages(CHAT_ID)[0].text
    assert phone.script_errors == []
    await page.screenshot(path=screenshot_dir / "simulator-de.png", full_page=True)


async def test_an_english_question_gets_the_english_answer(
    dev_stack: Stack, browser: Browser, screenshot_dir: Path
) -> None:
    phone = await open_simulator(browser, dev_stack, "en-US")
    page = phone.page
    await phone.send("What are your opening hours?", click_send=True)

    await expect(page.locator(".msg.customer")).to_have_text(["What are your opening hours?"])
    bot = page.locator(".msg.bot")
    await expect(bot).to_have_count(2, timeout=WAIT_MS)
    await expect(bot.nth(0)).to_have_text(disclosure(dev_stack, "en"))
    await expect(bot.nth(1)).to_have_text(visible(faq_answer("opening_hours", "en")))
    await expect(bot.nth(1).locator("b")).to_have_text(
        "Service hours (phone and chat with our staff)"
    )
    await expect(bot.nth(1)).to_contain_text("Mon–Fri 07:00–18:00")
    await expect(page.locator("#status")).to_be_empty()
    assert phone.script_errors == []
    await page.screenshot(path=screenshot_dir / "simulator-en.png", full_page=True)


async def test_the_person_button_sends_a_callback_query_and_shows_the_handoff(
    dev_stack: Stack, browser: Browser
) -> None:
    phone = await open_simulator(browser, dev_stack, "de-DE")
    page = phone.page
    await phone.send("Wie wird das Wetter morgen?")
    first = page.locator(".msg.bot").filter(has_text=text("fallback", "de"))
    await expect(first.get_by_role("button", name="Menü")).to_be_visible(timeout=WAIT_MS)
    await first.get_by_role("button", name="Menü").click()

    menu = page.locator(".msg.bot").filter(has_text=text("menu", "de"))
    button = menu.get_by_role("button", name=text("button_person", "de"))
    await expect(button).to_be_visible(timeout=WAIT_MS)
    await wait_for(lambda: dev_stack.standin.callback_answers, seconds=10)
    dev_stack.standin.callback_answers.clear()
    assert dev_stack.standin.callback_answers == []
    await button.click()

    await expect(page.locator(".msg.customer").last).to_have_text("▸ Mitarbeiter sprechen")
    handoff = page.locator(".msg.bot").last
    await expect(handoff).to_contain_text(text("handoff", "de"), timeout=WAIT_MS)
    await expect(
        handoff.get_by_role("button", name=text("button_cancel_handoff", "de"))
    ).to_be_visible()
    await wait_for(lambda: dev_stack.standin.callback_answers, seconds=10)
    assert [a.startswith("sim-") for a in dev_stack.standin.callback_answers] == [True]
    await expect(page.locator("#status")).to_be_empty()
    assert phone.script_errors == []


async def test_typed_markup_is_shown_as_text_and_never_runs(
    dev_stack: Stack, browser: Browser
) -> None:
    phone = await open_simulator(browser, dev_stack, "de-DE")
    page = phone.page
    attack = '<img src=x onerror="window.__pwned=1">'
    await phone.send(attack)

    await expect(page.locator(".msg.customer")).to_have_text([attack])
    # The bot's answer arrives long after a failing image would have fired its handler.
    await expect(page.locator(".msg.bot").last).to_be_visible(timeout=WAIT_MS)
    await expect(page.locator("#chat img")).to_have_count(0)
    assert await page.evaluate("typeof window.__pwned") == "undefined"
    assert phone.script_errors == []


async def test_a_one_word_greeting_is_answered_in_the_browsers_language(
    dev_stack: Stack, browser: Browser
) -> None:
    # One word is too little to detect a language: the page's navigator.language hint decides.
    phone = await open_simulator(browser, dev_stack, "en-US")
    page = phone.page
    await phone.send("Hallo")

    bot = page.locator(".msg.bot")
    await expect(bot).to_have_count(2, timeout=WAIT_MS)
    await expect(bot.nth(0)).to_have_text(disclosure(dev_stack, "en"))
    await expect(bot.nth(1)).to_have_text(text("greet", "en"))
    assert phone.script_errors == []


async def test_order_status_after_sharing_the_phone_number(
    dev_stack: Stack, browser: Browser, screenshot_dir: Path
) -> None:
    phone = await open_simulator(browser, dev_stack, "de-DE")
    page = phone.page
    await phone.send("Wo bleibt meine Bestellung KR-204815?")
    asked = page.locator(".msg.bot").filter(has_text="Postleitzahl")
    share = asked.get_by_role("button", name=text("button_share_phone", "de"))
    await expect(share).to_be_visible(timeout=WAIT_MS)
    await share.click()

    status = page.locator(".msg.bot").last
    await expect(status).to_contain_text("Bestellung KR-204815", timeout=WAIT_MS)
    await expect(status).to_contain_text("Versendet mit DHL")
    await expect(status.get_by_role("button", name="Meine Bestellungen")).to_be_visible()
    await status.get_by_role("button", name="Meine Bestellungen").click()
    listing = page.locator(".msg.bot").last
    await expect(listing.get_by_role("button")).to_have_count(3, timeout=WAIT_MS)
    assert phone.script_errors == []
    await page.screenshot(path=screenshot_dir / "simulator-order.png", full_page=True)
