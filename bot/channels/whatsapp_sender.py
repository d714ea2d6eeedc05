"""Sends replies through the WhatsApp Cloud API, within WhatsApp's rules: rendered to reply
buttons or lists (whatsapp_render.py), paced to 80 messages a second per number and about one
every six seconds per customer, and outside the customer's 24-hour window (or when Meta says
it has closed, error 131047) as the approved template instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from bot.channels.whatsapp_client import (
    PAIR_RATE,
    RE_ENGAGEMENT,
    THROUGHPUT,
    UNSUPPORTED_TYPE,
    GraphApiError,
    GraphClient,
)
from bot.channels.whatsapp_render import render, template
from bot.channels.whatsapp_window import CustomerWindow
from bot.errors import DeliveryError
from bot.keys import Keys
from bot.messages import Reply
from bot.pacing import Pacer

log = structlog.get_logger(__name__)
NUMBER_PER_SECOND = 80.0  # Cloud API throughput per business number (default tier)
USER_PER_SECOND = 1 / 6  # the pair rate: about one message every six seconds per customer
USER_BURST = 5  # Meta lets short bursts borrow from the pair rate; a reply is 1-3 messages


@dataclass(frozen=True, slots=True)
class TemplateConfig:
    """The approved template for messages outside the window: its name, and its language
    code per reply language; its body has one parameter, our text."""

    name: str = "servicebot_followup"
    languages: Mapping[str, str] = field(default_factory=lambda: {"de": "de", "en": "en"})

    def language(self, ours: str) -> str:
        """The template's language code for a reply language."""
        return self.languages.get(ours) or self.languages.get("de") or "de"


class WhatsAppSender:
    """Sender adapter for the Cloud API."""

    def __init__(
        self,
        client: GraphClient,
        *,
        window: CustomerWindow,
        pacer: Pacer,
        keys: Keys,
        phone_number_id: str,
        templates: TemplateConfig,
    ) -> None:
        self._client = client
        self._window = window
        self._pacer = pacer
        self._keys = keys
        self._number = phone_number_id
        self._templates = templates

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Deliver the reply (one or more WhatsApp messages); the last message's id."""
        language = reply.language or "de"
        if not await self._window.is_open(chat_id):
            return await self.send_template(chat_id, reply.text, language)
        sent, text_sent = "", False
        for message in render(reply, language):
            try:
                sent = await self._send(chat_id, message)
            except _WindowClosedError:
                # Meta's clock says the window has closed (ours was a few seconds off): the
                # template says it all, once, and no free-form message follows.
                await self._window.close(chat_id)
                return await self.send_template(chat_id, reply.text, language)
            except _UnsupportedTypeError:
                if message["type"] == "text":
                    raise DeliveryError(
                        "WhatsApp does not take this text", permanent=True
                    ) from None
                # Buttons or a list this customer's app cannot show: the options as lines
                # (typed back, they are understood like any question), once.
                return await self._send(chat_id, render(_as_lines(reply, text_sent))[0])
            text_sent = text_sent or message["type"] == "text"
        return sent

    async def send_template(self, chat_id: str, text: str, language: str) -> str:
        """The approved template carrying `text` (allowed at any time)."""
        body = template(self._templates.name, self._templates.language(language), text)
        return await self._send(chat_id, body)

    async def after_failure(self, chat_id: str, text: str, language: str, codes: list[int]) -> str:
        """Meta reported a sent message as failed: the fallback that can still reach the
        customer (the template when the window had closed); empty if none helps."""
        if RE_ENGAGEMENT in codes:
            await self._window.close(chat_id)
            return await self.send_template(chat_id, text, language)
        return ""

    async def acknowledge_button(self, callback_id: str) -> None:
        """Mark the customer's message as read (their blue ticks); never worth a failure."""
        try:
            await self._client.mark_read(callback_id)
        except GraphApiError as error:
            log.info("whatsapp_mark_read_failed", code=error.code)

    async def _send(self, chat_id: str, message: dict[str, Any]) -> str:
        await self._pacer.wait_turn(
            self._keys.pacing(f"wa-number:{self._number}"),
            NUMBER_PER_SECOND,
            int(NUMBER_PER_SECOND),
        )
        await self._pacer.wait_turn(
            self._keys.pacing(f"wa-user:{chat_id}"), USER_PER_SECOND, USER_BURST
        )
        try:
            return await self._client.send({"to": chat_id, **message})
        except GraphApiError as error:
            raise _delivery_error(error) from None


def _as_lines(reply: Reply, text_sent: bool) -> Reply:
    """The reply's options as numbered lines under its text (left out if already sent)."""
    options = "\n".join(f"{n}. {button.title}" for n, button in enumerate(reply.buttons, 1))
    return Reply(options if text_sent else f"{reply.text}\n\n{options}", language=reply.language)


class _WindowClosedError(DeliveryError):
    """131047: the customer's 24-hour window is closed."""


class _UnsupportedTypeError(DeliveryError):
    """131051: this kind of message does not reach the customer."""


def _delivery_error(error: GraphApiError) -> DeliveryError:
    """What the engine's retries should do with a Graph API error."""
    if error.code == RE_ENGAGEMENT:
        return _WindowClosedError(str(error), permanent=True)
    if error.code == UNSUPPORTED_TYPE:
        return _UnsupportedTypeError(str(error), permanent=True)
    if error.code == PAIR_RATE:  # Meta asks for 4^n seconds; the pacer makes this rare
        return DeliveryError(str(error), retry_after=6.0)
    if error.code == THROUGHPUT:
        return DeliveryError(str(error), retry_after=1.0)
    return DeliveryError(str(error), permanent=not error.transient)
