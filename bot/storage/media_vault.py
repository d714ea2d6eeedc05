"""Customers' files kept in the database (so every web and worker process can show them),
downloaded from the channel once."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.database import SessionFactory
from bot.storage.models import MediaFileRecord
from crm_bridge.media import MediaFile, MediaSource


class SqlMediaVault:
    """KeepsMedia on the media_files table, with a MediaSource per channel that reads it."""

    def __init__(self, sessions: SessionFactory, downloads: Mapping[str, MediaSource]) -> None:
        self._sessions = sessions
        self._downloads = downloads

    async def keep(self, channel: str, reference: str) -> None:
        """Store the file unless it is stored already."""
        await self.file(channel, reference)

    def source(self, channel: str) -> MediaSource:
        """The channel's files as the console opens them: from here, else downloaded now."""
        return _VaultSource(self, channel)

    async def file(self, channel: str, reference: str) -> MediaFile:
        """The stored file, else downloaded from the channel and stored."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(MediaFileRecord).where(
                    MediaFileRecord.channel == channel, MediaFileRecord.reference == reference
                )
            )
            if row is not None:
                return MediaFile(row.content, row.content_type, row.filename)
        file = await self._downloads[channel].fetch(reference)
        try:
            async with self._sessions.begin() as session:
                session.add(
                    MediaFileRecord(
                        channel=channel,
                        reference=reference,
                        content_type=file.content_type,
                        filename=file.filename,
                        content=file.content,
                    )
                )
        except IntegrityError:
            pass  # another worker kept it at the same moment
        return file


class _VaultSource:
    def __init__(self, vault: SqlMediaVault, channel: str) -> None:
        self._vault = vault
        self._channel = channel

    async def fetch(self, reference: str) -> MediaFile:
        return await self._vault.file(self._channel, reference)
