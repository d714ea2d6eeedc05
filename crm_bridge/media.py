"""Media a customer sent (a photo of the damaged delivery, a PDF): kept by the channel's
reference in the transcript and fetched from the messenger when an agent opens it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Shown in the browser; anything else is offered as a download (never rendered as a page).
INLINE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "audio/ogg", "audio/mpeg", "video/mp4"}
)


@dataclass(frozen=True, slots=True)
class MediaFile:
    """The file's bytes as the messenger has them."""

    content: bytes
    content_type: str
    filename: str


class MediaUnavailableError(Exception):
    """The messenger no longer has the file, or cannot be reached."""


class MediaSource(Protocol):
    """Fetches a customer's file by the channel's reference; adapters in bot/channels."""

    async def fetch(self, reference: str) -> MediaFile:
        """The file. Raises MediaUnavailableError."""
        ...


class KeepsMedia(Protocol):
    """Keeps a customer's file with us when it arrives (WhatsApp's download links expire
    within minutes, its media ids after weeks)."""

    async def keep(self, channel: str, reference: str) -> None:
        """Download and store the file unless it is stored already. Raises
        MediaUnavailableError."""
        ...
