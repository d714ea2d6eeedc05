"""The one place Redis key names are built."""

from __future__ import annotations

from dataclasses import dataclass

from bot.streams import StreamNames


@dataclass(frozen=True, slots=True)
class Keys:
    """Redis key builder; a prefix lets several deployments or tests share one server."""

    prefix: str = "sb"

    @property
    def inbound_stream(self) -> str:
        """Stream of normalised inbound messages, consumed by the workers."""
        return f"{self.prefix}:inbound"

    @property
    def inbound_group(self) -> str:
        """Consumer group of the workers on the inbound stream."""
        return "workers"

    @property
    def dead_letter_stream(self) -> str:
        """Inbound entries that failed too often; kept for inspection, never dropped."""
        return f"{self.prefix}:inbound:dead"

    def attempts(self, entry_id: str) -> str:
        """How often a stream entry was tried."""
        return f"{self.prefix}:attempts:{entry_id}"

    @property
    def inbound(self) -> StreamNames:
        """The inbound stream with its group, dead letters and attempt counters."""
        return StreamNames(
            self.inbound_stream, self.inbound_group, self.dead_letter_stream, self.attempts("")
        )

    @property
    def crm_outbox(self) -> StreamNames:
        """Events for the configured CRM (crm_bridge/crm.py), sent by the CRM dispatcher."""
        return StreamNames(
            f"{self.prefix}:crm",
            "crm-dispatchers",
            f"{self.prefix}:crm:dead",
            f"{self.prefix}:crm-attempts:",
        )

    def dedup(self, channel: str, message_id: str) -> str:
        """Marker that a channel message was accepted once (SET NX with TTL)."""
        return f"{self.prefix}:dedup:{channel}:{message_id}"

    @property
    def parse_cache(self) -> str:
        """Prefix of cached NLU parse results (model name and text digest follow)."""
        return f"{self.prefix}:parse"

    def dialogue(self, conversation_key: str) -> str:
        """Short-lived dialogue facts of a conversation (misses in a row)."""
        return f"{self.prefix}:dialogue:{conversation_key}"

    def verification(self, conversation_key: str) -> str:
        """Who the contact of a conversation is verified as, and what the bot asked for."""
        return f"{self.prefix}:verification:{conversation_key}"

    def conversation_lock(self, conversation_key: str) -> str:
        """Lock held while one worker handles a conversation's message."""
        return f"{self.prefix}:lock:{conversation_key}"

    def conversation_backlog(self, conversation_key: str) -> str:
        """Ids of a conversation's inbound entries not yet handled, in arrival order."""
        return f"{self.prefix}:backlog:{conversation_key}"

    def conversation_turn(self, conversation_key: str) -> str:
        """Lock held while one worker works through a conversation's backlog."""
        return f"{self.prefix}:turn:{conversation_key}"

    def reply_sent(self, channel: str, message_id: str, reply_digest: str) -> str:
        """Marker that one reply to an inbound message was delivered (never send it twice)."""
        return f"{self.prefix}:sent:{channel}:{message_id}:{reply_digest}"

    def whatsapp_window(self, wa_id: str) -> str:
        """When a WhatsApp user last wrote (expires when their 24-hour window closes)."""
        return f"{self.prefix}:wa-window:{wa_id}"

    def pacing(self, bucket: str) -> str:
        """A token bucket of the sending pace ("wa-number:<id>", "wa-user:<wa_id>")."""
        return f"{self.prefix}:pace:{bucket}"

    def staff_session(self, token_digest: str) -> str:
        """A logged-in staff member's session, under the SHA-256 digest of its cookie token."""
        return f"{self.prefix}:staff-session:{token_digest}"

    def login_failures(self, name: str) -> str:
        """Failed logins in the current window for one username or client ("user:…", "ip:…")."""
        return f"{self.prefix}:login-failures:{name}"

    @property
    def faq_publisher_lease(self) -> str:
        """Held by the one web process that publishes FAQ revisions (expires if it dies)."""
        return f"{self.prefix}:faq:publisher"

    @property
    def retention_lease(self) -> str:
        """Held by the one worker that runs the retention purge this round (bot/retention.py)."""
        return f"{self.prefix}:retention:lease"

    @property
    def faq_candidate(self) -> str:
        """The test box's candidate model: the latest training request and its progress."""
        return f"{self.prefix}:faq:candidate"
