"""Fakes of our own ports for unit tests (never of library internals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.errors import DeliveryError
from bot.messages import Reply
from crm_bridge.crm import CrmEvent
from crm_bridge.media import MediaFile, MediaUnavailableError


@dataclass
class RecordingSender:
    """A Sender that records replies; can fail the next sends, transiently or for good."""

    sent: list[tuple[str, Reply]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    fail_next: int = 0
    permanent: bool = False
    blocked: bool = False  # the failures say the customer blocked the bot
    retry_after: float | None = None
    attempts: int = 0

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Record, or raise while failures are pending."""
        self.attempts += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            raise DeliveryError(
                "fake failure",
                permanent=self.permanent,
                blocked=self.blocked,
                retry_after=self.retry_after,
            )
        self.sent.append((chat_id, reply))
        return str(len(self.sent))

    async def acknowledge_button(self, callback_id: str) -> None:
        """Record the acknowledgement."""
        self.acknowledged.append(callback_id)

    @property
    def texts(self) -> list[str]:
        """Texts of the delivered replies, in order."""
        return [reply.text for _chat, reply in self.sent]


@dataclass
class FixedOpinion:
    """A second opinion that always suggests the same intent (None: no opinion)."""

    intent: str | None = None

    async def shares(self, text: str) -> dict[str, float]:
        """All of the vote for the configured intent."""
        return {self.intent: 1.0} if self.intent else {}

    async def prepare(self) -> None:
        """Nothing to build."""


@dataclass
class MemoryCrmOutbox:
    """A CrmOutbox that keeps the published events (each key once, like the Redis one)."""

    events: list[CrmEvent] = field(default_factory=list)

    async def publish(self, event: CrmEvent) -> None:
        """Keep the event unless its key was published before."""
        if all(published.key != event.key for published in self.events):
            self.events.append(event)


@dataclass
class StoredMedia:
    """A MediaSource holding files by reference (what the messenger would hand out)."""

    files: dict[str, MediaFile] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)

    async def fetch(self, reference: str) -> MediaFile:
        """The stored file, or unavailable."""
        self.fetched.append(reference)
        if reference not in self.files:
            raise MediaUnavailableError("gone")
        return self.files[reference]
