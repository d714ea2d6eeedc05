"""Builds the FAQ admin (faq/admin_service.py) for the web process: the stores, the
background publisher on Rasa (which also trains the test box's candidate model), the answer
preview on the channels' own renderers and the test box on the live decision policy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Collection, Sequence
from typing import TYPE_CHECKING

import aiohttp

from bot.answer_preview import ChannelPreview, preview_answer
from bot.errors import NluUnavailableError
from bot.model_publishing import RasaModelTrainer, RedisCandidateRecord, RedisLease
from bot.nlu_data import TrainingSets
from bot.reading import message_reader
from bot.settings import Settings
from bot.storage.audit import AuditLog
from faq.admin_service import FaqAdmin
from faq.api_models import CandidateOut, ChannelPreviewOut, PreviewOut, TestOut, Verdict
from faq.candidates import Candidates, CandidateState
from faq.categories import SqlCategories
from faq.misses import SqlMisses
from faq.publications import SqlPublicationStore
from faq.publisher import Publisher
from faq.revision_store import SqlRevisionStore
from nlu.gateway import CANDIDATE_FAILED
from nlu.rasa_client import RasaNlu
from nlu.reader import MessageReader
from nlu.training_data import base_intent_names

if TYPE_CHECKING:
    from bot.app import Resources

STOP_SECONDS = 5.0


def _channel(preview: ChannelPreview, language: str) -> ChannelPreviewOut:
    return ChannelPreviewOut(
        channel=preview.channel,  # type: ignore[arg-type]
        bubbles=list(preview.bubbles),
        buttons=list(preview.buttons),
        as_list=preview.as_list,
        characters=preview.characters,
        limit=preview.limit,
        warnings=[warning.text(language) for warning in preview.warnings],
    )


def preview(answer: str, buttons: Sequence[str], language: str) -> PreviewOut:
    """Both channels' rendering; warnings in the language of the preview."""
    telegram, whatsapp = preview_answer(answer, buttons, language)
    return PreviewOut(telegram=_channel(telegram, language), whatsapp=_channel(whatsapp, language))


class TestBox:
    """A question's decision by the served model and by the candidate model (trained on the
    knowledge base with the open drafts, served by the NLU gateway under /candidates/)."""

    def __init__(
        self, settings: Settings, res: Resources, reader: MessageReader, candidates: Candidates
    ) -> None:
        self._settings = settings
        self._res = res
        self._reader = reader
        self._candidates = candidates

    async def __call__(self, text: str, language: str) -> TestOut:
        """Both models' decisions on one question (the candidate's once it is trained)."""
        current = await _verdict(self._reader, text, await self._res.faq.slugs())
        return TestOut(
            model=await self._res.rasa.served_model(),
            current=current,
            candidate=await self.candidate(text),
        )

    async def candidate(self, text: str | None = None) -> CandidateOut:
        """The candidate's training state, and its decision on `text` once it serves."""
        entries = await self._candidates.entries()
        status = await self._candidates.status(entries)
        verdict, state, error = None, status.state.value, status.error
        if status.state is CandidateState.READY and text:
            verdict = await _verdict(
                self._candidate_reader(status.model), text, {e.slug for e in entries}
            )
            if verdict is None:
                error = await self._why_not_served(status.model)
                state = "failed" if error else "loading"
        return CandidateOut(
            state=state,  # type: ignore[arg-type]
            model=status.model,
            stage=status.stage,
            percent=round(status.percent, 1),
            error=error,
            verdict=verdict,
        )

    async def _why_not_served(self, model: str) -> str:
        """Why the gateway cannot answer for the candidate; "" while it is loading it (or
        while the NLU server does not answer at all, as for the live model)."""
        url = f"{self._settings.primary_rasa_url}/candidates/{model}/status"
        try:
            async with self._res.http.get(url, timeout=aiohttp.ClientTimeout(total=3)) as response:
                if response.status in (200, 502):
                    return ""
                body = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError):
            return ""
        reason = str(body.get("error", "")) if isinstance(body, dict) else ""
        if response.status == 503 and reason != CANDIDATE_FAILED:
            return ""  # loading the candidate, or the gateway itself is starting
        return reason or f"HTTP {response.status}"  # 404: an NLU server without /candidates/

    def _candidate_reader(self, model: str) -> MessageReader:
        settings = self._settings
        nlu = RasaNlu(
            self._res.http,
            f"{settings.primary_rasa_url}/candidates/{model}",
            settings.rasa_timeout_seconds,
        )

        async def model_name() -> str:
            return model

        training_sets = TrainingSets(self._res.sessions)
        return message_reader(settings, nlu, self._res.faq, model_name, training_sets)


async def _verdict(reader: MessageReader, text: str, slugs: Collection[str]) -> Verdict | None:
    """The reader's decision, or None while its NLU server cannot answer."""
    try:
        decision = (await reader.read(text, slugs)).decision
    except NluUnavailableError:
        return None
    return Verdict(
        action=decision.action.value,
        faq=decision.faq,
        intent=decision.intent,
        confidence=round(decision.confidence, 3),
    )


@contextlib.asynccontextmanager
async def faq_admin(
    settings: Settings, res: Resources, reader: MessageReader
) -> AsyncIterator[FaqAdmin]:
    """The FAQ admin, its publisher running in the background while the app runs."""
    revisions = SqlRevisionStore(res.sessions, base_intent_names())
    publications = SqlPublicationStore(res.sessions)
    trainer = RasaModelTrainer(settings, res.rasa, TrainingSets(res.sessions))
    lease = RedisLease(res.redis, res.keys.faq_publisher_lease)
    candidates = Candidates(
        revisions, trainer, RedisCandidateRecord(res.redis, res.keys.faq_candidate)
    )
    publisher = Publisher(revisions, publications, trainer, lease, after_publications=candidates)
    task = asyncio.create_task(publisher.run())
    try:
        yield FaqAdmin(
            revisions=revisions,
            publications=publications,
            publisher=publisher,
            audit=AuditLog(res.sessions),
            live=res.faq,
            preview=preview,
            test=TestBox(settings, res, reader, candidates),
            candidates=candidates,
            categories=SqlCategories(res.sessions),
            misses=SqlMisses(res.sessions),
        )
    finally:
        # A stop flag rather than only cancel: a cancellation that lands inside a Redis call
        # can be swallowed there, and the loop would never end.
        publisher.stop()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_SECONDS)
        except TimeoutError:  # in the middle of a training: abandon it, it runs again later
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
