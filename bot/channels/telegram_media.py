"""Customers' Telegram files (photos, documents, voice messages) for the agent console:
getFile, then the download, through python-telegram-bot."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from telegram import Bot
from telegram.error import TelegramError

from crm_bridge.media import MediaFile, MediaUnavailableError

MAX_BYTES = 20 * 1024 * 1024  # the largest file the Bot API lets a bot download


class TelegramMedia:
    """MediaSource on the Bot API."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def fetch(self, reference: str) -> MediaFile:
        """The file with this file_id."""
        try:
            file = await self._bot.get_file(reference)
            if file.file_size and file.file_size > MAX_BYTES:
                raise MediaUnavailableError("larger than Telegram lets bots download")
            content = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            # PTB's messages may contain the file URL, which contains the bot token.
            raise MediaUnavailableError(type(error).__name__) from None
        name = PurePosixPath(file.file_path or "file").name
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return MediaFile(content, content_type, name)
