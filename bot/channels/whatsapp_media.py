"""Customers' WhatsApp media through the Graph API media endpoint: the media id gives a
download link valid for a few minutes, which needs the same bearer token."""

from __future__ import annotations

import mimetypes

from bot.channels.whatsapp_client import GraphApiError, GraphClient
from crm_bridge.media import MediaFile, MediaUnavailableError

MAX_BYTES = 100 * 1024 * 1024  # WhatsApp's largest document


class WhatsAppMedia:
    """MediaSource on the Cloud API."""

    def __init__(self, client: GraphClient) -> None:
        self._client = client

    async def fetch(self, reference: str) -> MediaFile:
        """The file behind a media id."""
        try:
            info = await self._client.media(reference)
            content = await self._client.download(info.url, MAX_BYTES)
        except GraphApiError as error:
            raise MediaUnavailableError(str(error)) from None
        content_type = info.mime_type.split(";")[0].strip() or "application/octet-stream"
        extension = mimetypes.guess_extension(content_type) or ""
        return MediaFile(content, content_type, f"whatsapp-{reference}{extension}")
