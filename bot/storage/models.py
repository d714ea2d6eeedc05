"""Database tables. Changes here need an Alembic migration in bot/storage/migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now, stored as UTC."""
    return datetime.now(UTC)


def as_utc(stored: datetime) -> datetime:
    """A timestamp as read back: SQLite returns it without its zone; it was written in UTC."""
    return stored if stored.tzinfo else stored.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (needed for migrations)."""

    metadata = MetaData(naming_convention=NAMING)
    # Aware timestamps everywhere: asyncpg refuses aware values in naive columns.
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class Contact(Base):
    """A customer, across all the channels they write from."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    blocked_bot: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    identities: Mapped[list[ChannelIdentity]] = relationship(back_populates="contact")


class ChannelIdentity(Base):
    """How a contact is known on one channel (Telegram user id, WhatsApp number)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))

    contact: Mapped[Contact] = relationship(back_populates="identities")


class Conversation(Base):
    """One chat with a contact on one channel; mode says who answers (bot or agent)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_channel_chat", "channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16), default="bot")
    status: Mapped[str] = mapped_column(String(16), default="open")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """The transcript: every inbound and outbound message of a conversation."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "direction", "channel_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    channel_message_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    intent: Mapped[str | None] = mapped_column(String(64), default=None)
    confidence: Mapped[float | None] = mapped_column(default=None)
    # Inbound: what the bot did (answer_faq, clarify, fallback, handoff, ...), for the misses.
    action: Mapped[str] = mapped_column(String(16), default="")
    # What the customer sent besides words, as "photo:<the channel's file reference>".
    media: Mapped[str] = mapped_column(String(512), default="")
    # Ours: the messenger's delivery status (sent, delivered, read, failed) and why it failed.
    status: Mapped[str] = mapped_column(String(16), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MediaFileRecord(Base):
    """A file a customer sent, kept for the agents (crm_bridge/media.py)."""

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("channel", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(256))  # the channel's media id
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqEntry(Base):
    """One FAQ topic in one language: the answer and the phrasings the model learns from."""

    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("slug", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FaqCategoryRecord(Base):
    """A category of the customer's menu: its names per language and its place in the list."""

    __tablename__ = "faq_categories"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)  # as faq_entries.category
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)


class CustomerRecord(Base):
    """A customer of the order system (the SQL OrderProvider's copy, seeded from CSV)."""

    __tablename__ = "customers"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    tier: Mapped[str] = mapped_column(String(1))
    account_manager: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    phone_digits: Mapped[str] = mapped_column(String(32), default="", index=True)
    language: Mapped[str] = mapped_column(String(8), default="de")


class OrderRecord(Base):
    """An order of the order system (the SQL OrderProvider's copy, seeded from CSV)."""

    __tablename__ = "orders"

    order_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_number: Mapped[str] = mapped_column(
        ForeignKey("customers.number", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    carrier: Mapped[str] = mapped_column(String(64), default="")
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    eta: Mapped[date | None] = mapped_column(Date, default=None)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    total_net_eur: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))


class HandoffRecord(Base):
    """One handover of a conversation to people (crm_bridge/handoff.py)."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_state_rank", "state", "tier_rank", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    callback: Mapped[bool] = mapped_column(default=False)
    order_id: Mapped[str] = mapped_column(String(32), default="")
    customer_number: Mapped[str] = mapped_column(String(32), default="")
    tier: Mapped[str] = mapped_column(String(1), default="")
    tier_rank: Mapped[int] = mapped_column(default=3)
    position: Mapped[int] = mapped_column(default=1)
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    agent: Mapped[str] = mapped_column(String(100), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    rating: Mapped[int | None] = mapped_column(default=None)  # the customer's 1-5 stars
    crm_ref: Mapped[str] = mapped_column(String(64), default="", index=True)  # id in the CRM


class HandoffEventRecord(Base):
    """One step of a handoff (crm_bridge/handoff.py EventKind), for analytics."""

    __tablename__ = "handoff_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    handoff_id: Mapped[int] = mapped_column(
        ForeignKey("handoffs.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    agent: Mapped[str] = mapped_column(String(100), default="")
    stars: Mapped[int | None] = mapped_column(default=None)


class UserRecord(Base):
    """A staff account (agent, editor, admin) of the web consoles (bot/web/auth.py)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-cased
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string format
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8), default="de")  # of the console
    serves: Mapped[str] = mapped_column(String(32), default="de,en")  # customers' languages
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoteRecord(Base):
    """An agent's internal note on a conversation: staff see it, the customer never does."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqRevisionRecord(Base):
    """One numbered version of an FAQ topic, all its languages (faq/editorial.py)."""

    __tablename__ = "faq_revisions"
    __table_args__ = (UniqueConstraint("slug", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # faq.editorial.TopicContent
    author: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by: Mapped[str] = mapped_column(String(64), default="")  # who asked to publish


class FaqPublicationRecord(Base):
    """One background retrain that takes revisions live (faq/publisher.py)."""

    __tablename__ = "faq_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(100), default="")
    percent: Mapped[float] = mapped_column(default=0.0)
    revision_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    requested_by: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(100), default="")
    error: Mapped[str] = mapped_column(String(2000), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class NluTrainingSetRecord(Base):
    """The training data each model was trained on, named like the model: what the served
    model knows, for the example vote (nlu/example_index.py) on any machine."""

    __tablename__ = "nlu_training_sets"

    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    training_yaml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditRecord(Base):
    """Who changed what, when (bot/audit.py): staff actions on the knowledge base and data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AnswerFlagRecord(Base):
    """An agent marked one of the bot's answers as wrong (the FAQ admin's misses inbox)."""

    __tablename__ = "answer_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    agent: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MissResolutionRecord(Base):
    """A customer message of the misses inbox an admin has dealt with, and how."""

    __tablename__ = "miss_resolutions"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    resolved_by: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(
        String(80)
    )  # "topic:<slug>", "examples:<slug>", "dismissed"
    at: Mapped[datetime] = mapped_column(default=utcnow)
