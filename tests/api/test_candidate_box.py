"""The test box against an NLU gateway stand-in that speaks Rasa's API for the live model
and under /candidates/<model>/ for a trained candidate: the candidate's verdict once it
serves, "loading" while the gateway loads it, "failed" with the reason when it will not
load, and the live model's verdict beside it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from tests.api.conftest import AdminSite, Staff
from tests.api.test_faq_api import BATTERY
from tests.net import serve

QUESTION = {"text": "Nehmt ihr alte Akkus zurück?", "language": "de"}


@dataclass
class Gateway:
    """What the stand-in answers for the candidate: "serving", "loading" or "failed"."""

    candidate: str = "loading"


def _parse(intent: str) -> web.Response:
    ranking = [{"name": intent, "confidence": 0.93}, {"name": "nlu_fallback", "confidence": 0.02}]
    return web.json_response({"text": "", "intent": ranking[0], "intent_ranking": ranking})


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[Gateway, str]]:
    state = Gateway()

    async def live_status(_request: web.Request) -> web.Response:
        return web.json_response({"model_file": "nlu-live.tar.gz"})

    async def live_parse(_request: web.Request) -> web.Response:
        return _parse("nlu_fallback")

    async def candidate(request: web.Request) -> web.Response:
        if state.candidate == "loading":
            return web.json_response({"error": "the candidate model is loading"}, status=503)
        if state.candidate == "failed":
            return web.json_response({"error": "the candidate model would not load"}, status=503)
        if request.match_info["tail"] == "status":
            return web.json_response({"model_file": request.match_info["model"]})
        return _parse("battery_take_back")

    app = web.Application()
    app.router.add_get("/status", live_status)
    app.router.add_post("/model/parse", live_parse)
    app.router.add_route("*", "/candidates/{model}/{tail:.*}", candidate)
    async with serve(app) as url:
        yield state, url


@pytest.fixture
def nlu_url(gateway: tuple[Gateway, str]) -> str:
    return gateway[1]


async def ask(editor: Staff) -> dict[str, object]:
    async with editor.http.post("/api/faq/test", json=QUESTION, headers=editor.headers()) as r:
        assert r.status == 200
        return dict(await r.json())


async def test_the_candidate_answers_once_the_gateway_serves_it(
    site: AdminSite, staff: dict[str, Staff], gateway: tuple[Gateway, str]
) -> None:
    state, _url = gateway
    editor = staff["editor"]
    async with editor.http.post("/api/faq/topics", json=BATTERY, headers=editor.headers()) as r:
        assert r.status == 201
    tested = await ask(editor)
    assert tested["model"] == "nlu-live.tar.gz"
    current = tested["current"]
    assert isinstance(current, dict)
    assert (current["action"], current["faq"]) == ("fallback", None)  # the live model
    candidate = tested["candidate"]
    assert isinstance(candidate, dict)
    assert (candidate["state"], candidate["verdict"]) == ("not_trained", None)

    # The publisher records the candidate's training data, then Rasa (not installed here)
    # fails; the model file that Rasa would have written makes the candidate ready.
    async with editor.http.post("/api/faq/candidate", headers=editor.headers()) as r:
        assert r.status == 202
    for _ in range(200):
        async with editor.http.get("/api/faq/candidate") as r:
            if (await r.json())["state"] == "failed":
                break
        await asyncio.sleep(0.05)
    (site.settings.model_dir / str(candidate["model"])).write_bytes(b"")
    assert (await ask(editor))["candidate"] == {**candidate, "state": "loading"}

    state.candidate = "serving"
    served = (await ask(editor))["candidate"]
    assert isinstance(served, dict)
    assert served["state"] == "ready"
    verdict = served["verdict"]
    assert isinstance(verdict, dict)
    assert (verdict["action"], verdict["faq"]) == ("answer_faq", "battery_take_back")
    async with editor.http.get("/admin/faq/battery_take_back", params={"q": QUESTION["text"]}) as r:
        page = await r.text()
    assert 'class="candidate-verdict"' in page
    assert "battery_take_back" in page

    state.candidate = "failed"
    failed = (await ask(editor))["candidate"]
    assert isinstance(failed, dict)
    assert (failed["state"], failed["error"]) == ("failed", "the candidate model would not load")
