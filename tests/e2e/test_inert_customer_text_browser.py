"""Customer text is inert wherever staff read it, in real Chromium: HTML, scripts and
`javascript:` links a customer writes (and puts in their Telegram name) reach the agent
console's queue and conversation, the live update of an open conversation and the FAQ
admin's misses inbox and new-topic form, and show there as the literal text. No script runs
(`window.__pwned` stays undefined), no dialog opens, no link or image is made of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from playwright.async_api import Browser, Dialog, Page, expect

from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from bot.web.auth import Role, UserStore
from tests.e2e.conftest import Stack, production_stack
from tests.e2e.test_simulator_browser import browser
from tests.e2e.test_telegram_e2e import text_update
from tests.net import serve

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
__all__ = ["browser"]  # the fixture shared with the simulator's browser tests
PASSWORD = "richtig-geheim-123"
CHAT = 9501
NAME = '<img src=x onerror="window.__pwned=3">Eve'
FIRST = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> Mitarbeiter'
LINK = '<a href="javascript:window.__pwned=4">Rechnung</a> javascript:alert(document.cookie)'
LATER = "<svg onload=\"window.__pwned=5\"></svg><b onmouseover='window.__pwned=6'>fett</b>"
WAIT_MS = 15_000
SCREENSHOT = "/tmp/inert.png"  # where the brief wants it looked at


async def _nlu_standin() -> web.Application:
    """A Rasa server whose model reads every message as a request for a person."""

    async def status(_request: web.Request) -> web.Response:
        return web.json_response({"model_file": "nlu-inert.tar.gz"})

    async def parse(request: web.Request) -> web.Response:
        text = str((await request.json())["text"])
        ranking = [{"name": "human_handoff", "confidence": 0.99}]
        return web.json_response({"text": text, "intent": ranking[0], "intent_ranking": ranking})

    app = web.Application()
    app.router.add_get("/status", status)
    app.router.add_post("/model/parse", parse)
    return app


@pytest.fixture
async def stack(settings: Settings, redis: aioredis.Redis) -> AsyncIterator[Stack]:
    """Web app, worker and the Bot API stand-in, with a stand-in NLU (no model is needed
    to hand a customer over)."""
    async with (
        serve(await _nlu_standin()) as nlu_url,
        production_stack(settings.model_copy(update={"rasa_url": nlu_url})) as running,
    ):
        yield running


def named(update: dict[str, Any]) -> dict[str, Any]:
    """The update sent by a customer whose Telegram name is markup too."""
    update["message"]["from"]["first_name"] = NAME
    update["message"]["chat"]["first_name"] = NAME
    return update


async def inert(page: Page, dialogs: list[str]) -> None:
    """Nothing the customer wrote ran or became markup on this page."""
    assert await page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []
    assert await page.locator("a[href^='javascript:' i]").count() == 0
    assert await page.locator("img[src='x'], svg[onload], [onmouseover], [onerror]").count() == 0
    scripts = await page.locator("script").evaluate_all("s => s.map(e => e.textContent)")
    assert not any("__pwned" in script for script in scripts)


async def test_customer_markup_shows_as_text_and_never_runs(stack: Stack, browser: Browser) -> None:
    engine = create_engine(stack.settings.effective_database_url)
    await UserStore(session_factory(engine)).create("mara", "Mara Kühn", PASSWORD, Role.ADMIN)
    await engine.dispose()
    context = await browser.new_context(locale="de-DE", viewport={"width": 1100, "height": 900})
    page = await context.new_page()
    dialogs: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await page.goto(f"{stack.base_url}/agent")
    await page.locator("input[name=username]").fill("mara")
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await expect(page.locator("h1")).to_have_text("Warteschlange")

    # The customer asks for a person in markup; the queue shows their name and words.
    assert await stack.post_update(named(text_update(CHAT, FIRST))) == 200
    card = page.locator(".queue li").filter(has_text=NAME)
    await expect(card).to_be_visible(timeout=WAIT_MS)
    await expect(card.locator("blockquote")).to_have_text(FIRST)
    await inert(page, dialogs)

    # Taken over: the transcript holds the text literally.
    await card.get_by_role("button", name="Übernehmen").click()
    transcript = page.locator(".transcript")
    await expect(transcript.locator(".line.in .text").first).to_have_text(FIRST)
    await expect(page.locator("h1.summary")).to_contain_text(NAME)
    await inert(page, dialogs)

    # While the agent reads, more arrives: the page swaps in the new transcript by script.
    for text in (LINK, LATER):
        assert await stack.post_update(named(text_update(CHAT, text))) == 200
        await expect(transcript.locator(".line.in .text").last).to_have_text(text, timeout=WAIT_MS)
    await page.locator(".transcript .line.in").last.hover()  # (an onmouseover would fire)
    await inert(page, dialogs)
    await page.screenshot(path=SCREENSHOT, full_page=True)

    # The FAQ admin's misses inbox: the bot handed these over, so they wait there too.
    await page.goto(f"{stack.base_url}/admin/misses")
    wordings = page.locator(".misses .wordings li")
    await expect(wordings.filter(has_text=FIRST)).to_have_count(1)
    await expect(page.locator(".misses .summary").first).to_contain_text("<")
    await inert(page, dialogs)

    # A topic started from a group: its wordings arrive as form values, still text.
    await page.locator(".misses a.button").first.click()
    await expect(page.locator("h1")).to_be_visible()
    values = await page.locator("input[type=text], textarea").evaluate_all(
        "fields => fields.map(f => f.value)"
    )
    assert any("<" in value and "__pwned" in value for value in values), values
    await inert(page, dialogs)
    await context.close()
