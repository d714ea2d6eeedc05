"""Builds the FAQ admin (faq/admin_service.py) for the web process: the stores, the
background publisher on Rasa, the answer preview on the channels' own renderers and the
test box on the live decision policy."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from bot.answer_preview import ChannelPreview, preview_answer
from bot.errors import NluUnavailableError
from bot.model_publishing import RasaModelTrainer, RedisLease
from bot.nlu_data import TrainingSets, training_yaml_for
from bot.settings import Settings
from bot.storage.audit import AuditLog
from faq.admin_service import FaqAdmin
from faq.api_models import ChannelPreviewOut, PreviewOut, Resemblance, TestOut, Verdict
from faq.misses import SqlMisses
from faq.publications import SqlPublicationStore
from faq.publisher import Publisher
from faq.revision_store import SqlRevisionStore
from nlu.example_index import ExampleIndex, examples_from_training_yaml
from nlu.reader import MessageReader
from nlu.training_data import base_intent_names

if TYPE_CHECKING:
    from bot.app import Resources

CANDIDATES_SHOWN = 3
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
    """The served model's decision for a question, and the example vote over the knowledge
    base as it will be with the open drafts (before any training)."""

    def __init__(self, reader: MessageReader, res: Resources, revisions: SqlRevisionStore) -> None:
        self._reader = reader
        self._res = res
        self._revisions = revisions
        self._index: tuple[str, ExampleIndex] | None = None

    async def __call__(self, text: str, language: str) -> TestOut:
        """Both opinions on one question."""
        model = await self._res.rasa.served_model()
        try:
            reading = await self._reader.read(text, await self._res.faq.slugs())
        except NluUnavailableError:
            current = None
        else:
            decision = reading.decision
            current = Verdict(
                action=decision.action.value,
                faq=decision.faq,
                intent=decision.intent,
                confidence=round(decision.confidence, 3),
            )
        shares = (await self._candidate_index()).shares(text)
        best = sorted(shares.items(), key=lambda item: item[1], reverse=True)[:CANDIDATES_SHOWN]
        return TestOut(
            model=model,
            current=current,
            candidate=[Resemblance(faq=slug, share=round(share, 3)) for slug, share in best],
        )

    async def _candidate_index(self) -> ExampleIndex:
        unpublished = [
            revision
            for topic in await self._revisions.topics()
            for revision in (topic.pending, topic.open)
            if revision is not None
        ]
        data = training_yaml_for(await self._revisions.candidate(unpublished))
        digest = hashlib.sha256(data.encode()).hexdigest()
        if self._index is None or self._index[0] != digest:
            self._index = (digest, ExampleIndex(examples_from_training_yaml(data)))
        return self._index[1]


@contextlib.asynccontextmanager
async def faq_admin(
    settings: Settings, res: Resources, reader: MessageReader
) -> AsyncIterator[FaqAdmin]:
    """The FAQ admin, its publisher running in the background while the app runs."""
    revisions = SqlRevisionStore(res.sessions, base_intent_names())
    publications = SqlPublicationStore(res.sessions)
    trainer = RasaModelTrainer(settings, res.rasa, TrainingSets(res.sessions))
    lease = RedisLease(res.redis, res.keys.faq_publisher_lease)
    publisher = Publisher(revisions, publications, trainer, lease)
    task = asyncio.create_task(publisher.run())
    try:
        yield FaqAdmin(
            revisions=revisions,
            publications=publications,
            publisher=publisher,
            audit=AuditLog(res.sessions),
            live=res.faq,
            preview=preview,
            test=TestBox(reader, res, revisions),
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
