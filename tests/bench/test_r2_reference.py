"""Reference R2 for real: Rasa's own Telegram connector, trained on our data, answers FAQ
questions posted to its webhook by sending the answer to the Bot API stand-in."""

from __future__ import annotations

import aiohttp
import pytest

from bench.r2.reference import rasa_telegram_bot
from bot.devtools.telegram_standin import StandinState, create_standin_app
from bot.settings import REPO_ROOT
from faq.seed import load_faq_file
from tests.net import free_port, serve

RASA_EXECUTABLE = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"


pytestmark = pytest.mark.bench


@pytest.mark.timeout(900)  # training NLU and rules takes 3-6 minutes on two cores
async def test_r2_answers_a_german_and_an_english_question_through_the_standin(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    faq = {(e.slug, e.language): e for e in load_faq_file()}
    questions = {
        # chat: (customer's question, the topic's German answer: R2 answers in one language)
        81_000_001: (faq["shipping_costs", "de"].question, faq["shipping_costs", "de"].answer),
        81_000_002: (faq["opening_hours", "en"].question, faq["opening_hours", "de"].answer),
    }
    state = StandinState()
    work_dir = tmp_path_factory.mktemp("r2")
    async with (
        serve(create_standin_app(state)) as standin_url,
        rasa_telegram_bot(work_dir, standin_url, free_port(), RASA_EXECUTABLE) as webhook_url,
        aiohttp.ClientSession() as http,
    ):
        # Rasa registered its webhook with the stand-in, not with api.telegram.org.
        assert state.webhook_url == webhook_url
        for chat_id, (question, _answer) in questions.items():
            async with http.post(
                webhook_url, json=state.customer_update(chat_id, question)
            ) as response:
                assert response.status == 200
                assert await response.text() == "success"  # not "failed": getMe matched verify
    for chat_id, (_question, answer) in questions.items():
        # Rasa's connector sends each blank-line-separated paragraph as a message of its own.
        first_paragraph = answer.strip().split("\n\n")[0]
        assert [m.text for m in state.bot_messages(chat_id)][:1] == [first_paragraph]
