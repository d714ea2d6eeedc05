# mypy: ignore-errors
# (This module runs inside Rasa's virtualenv, Python 3.10 with Rasa and aiogram 2, which the
# app's virtualenv does not have; bench/r2/project.py copies it into the R2 project.)
"""Rasa's own Telegram connector with the Bot API base URL from the credentials (`api_url`)
instead of api.telegram.org, and the one fix it needs to answer at all (see below)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.bot.api import TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException


class StandinTelegramOutput(TelegramOutput):
    """Rasa's Telegram output channel, sending to another Bot API server."""

    def __init__(self, access_token: str | None, api_url: str) -> None:
        super().__init__(access_token)
        self.server = TelegramAPIServer.from_base(api_url)


async def _set_webhook(channel: TelegramOutput, url: str | None) -> bool:
    """setWebhook, then close the HTTP session it opened. Rasa 3.6.21 runs this call in a
    loop of its own (asyncio.run) and keeps the session, which is bound to that loop, once
    it is closed: every later Bot API call (getMe per update) then fails with "Event loop is
    closed" and the bot never answers. Closed, the session is opened anew on Sanic's loop."""
    try:
        return await channel.set_webhook(url=url)
    finally:
        await channel.close()


class StandinTelegramInput(TelegramInput):
    """Rasa's Telegram input channel (its webhook routes, its getMe check per update, its
    answers split at blank lines) with an output channel on `api_url`."""

    api_url = ""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Rasa's own reading of the credentials, plus `api_url`."""
        channel = super().from_credentials(credentials)
        channel.api_url = credentials["api_url"]
        return channel

    def get_output_channel(self) -> TelegramOutput:
        """Rasa's `TelegramInput.get_output_channel` with the other output class and the
        session closed after setWebhook."""
        channel = StandinTelegramOutput(self.access_token, self.api_url)

        try:
            asyncio.run(_set_webhook(channel, self.webhook_url))
        except TelegramAPIError as error:
            raise RasaException("Failed to set channel webhook: " + str(error)) from error

        return channel
