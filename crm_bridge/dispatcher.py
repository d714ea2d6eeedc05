"""Delivers the CRM outbox: each event to the configured Crm, in order, retried with backoff
and jitter while the CRM is down; an event the CRM refuses for good (or that keeps failing)
goes to the dead-letter stream, logged, and the next one is sent."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import structlog

from bot.streams import REDIS_DOWN, DurableStream, RawEntry, RedisOutage
from crm_bridge.context_packet import ConversationHistory, build_context_packet
from crm_bridge.crm import Crm, CrmError, CrmEvent, CrmEventKind
from crm_bridge.handoff import HandoffDesk
from orders.ports import OrderProvider

log = structlog.get_logger(__name__)


class CrmDispatcher:
    """One consumer of the CRM outbox; several (one per worker process) share the work."""

    def __init__(
        self,
        outbox: DurableStream,
        crm: Crm,
        *,
        desk: HandoffDesk,
        history: ConversationHistory,
        orders: OrderProvider,
        consumer: str,
        max_attempts: int = 12,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        block_ms: int = 1000,
        claim_idle_ms: int = 60_000,
    ) -> None:
        self._outbox = outbox
        self._crm = crm
        self._desk = desk
        self._history = history
        self._orders = orders
        self._consumer = consumer
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set (an event being retried is left for the next start);
        while Redis is away the loop pauses and the unacknowledged event is claimed again."""
        outage = RedisOutage()
        group_ready, last_claim = False, 0.0
        while not stop.is_set():
            try:
                if not group_ready:
                    await self._outbox.ensure_group()
                    group_ready = True
                entries = []
                if time.monotonic() - last_claim > self._claim_idle_ms / 2000:
                    entries += await self._outbox.claim_stale(
                        self._consumer, self._claim_idle_ms, 10
                    )
                    last_claim = time.monotonic()
                entries += await self._outbox.read(self._consumer, 10, self._block_ms)
                for entry in entries:
                    if stop.is_set():
                        return
                    await self._deliver_until_done(entry, stop)
            except REDIS_DOWN as error:
                group_ready = False  # a Redis that lost its data lost the group too
                await outage.pause(error, stop)
                continue
            outage.over()

    async def _deliver_until_done(self, entry: RawEntry, stop: asyncio.Event) -> None:
        """Retry one event until the CRM takes it, refuses it, or it has failed too often:
        the next event waits, so a handoff's events arrive in order."""
        event = CrmEvent.from_json(entry.body)
        bound = log.bind(handoff=event.handoff_id, event=event.kind.value)
        while not stop.is_set():
            attempt = await self._outbox.delivery_attempt(entry.entry_id, ttl=7 * 24 * 3600)
            try:
                await self._deliver(event)
            except CrmError as error:
                if error.permanent or attempt >= self._max_attempts:
                    await self._outbox.dead_letter(entry, str(error))
                    bound.error("crm_event_dead_lettered", reason=str(error), attempts=attempt)
                    return
                delay = min(self._max_delay, self._base_delay * 2 ** (attempt - 1))
                delay = max(delay, error.retry_after or 0.0)  # the CRM's own 429 wait
                delay += random.uniform(0, self._base_delay)  # noqa: S311 (jitter)
                bound.warning("crm_event_will_retry", reason=str(error), retry_in=round(delay, 1))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            await self._outbox.ack(entry.entry_id)
            bound.info("crm_event_delivered")
            return

    async def _deliver(self, event: CrmEvent) -> None:
        if event.kind is CrmEventKind.ERASED:  # its handoffs are gone here: by design
            await self._crm.erased(event)
            return
        handoff = await self._desk.get(event.handoff_id)
        if handoff is None:
            raise CrmError(f"no handoff {event.handoff_id}", permanent=True)
        match event.kind:
            case CrmEventKind.HANDED_OVER:
                packet = await build_context_packet(handoff, self._history, self._orders)
                if packet is None:
                    raise CrmError("the conversation is gone", permanent=True)
                await self._crm.handed_over(packet, event)
            case CrmEventKind.CUSTOMER_WROTE:
                await self._crm.customer_wrote(handoff, event)
            case CrmEventKind.CLOSED:
                await self._crm.closed(handoff, event)
