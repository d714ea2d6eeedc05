"""Any other CRM: every handoff event is POSTed as JSON to one URL, signed with a shared
secret (crm_bridge/signing.py); the CRM answers 2xx once it has the event. Anything else is
retried by the dispatcher with backoff (a 4xx other than 429 is final). The CRM writes back
through POST /webhooks/crm, signed the same way."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp

from crm_bridge import packet_export, signing
from crm_bridge.context_packet import ContextPacket
from crm_bridge.crm import CrmError, CrmEvent
from crm_bridge.handoff import Handoff


class SignedWebhookCrm:
    """Crm as signed HTTP callbacks."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        url: str,
        secret: str,
        *,
        timeout_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._url = url
        self._secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._clock = clock

    async def handed_over(self, packet: ContextPacket, event: CrmEvent) -> None:
        """`handoff.created` with the whole context packet."""
        await self._post("handoff.created", event, {"handoff": packet_export.document(packet)})

    async def customer_wrote(self, handoff: Handoff, event: CrmEvent) -> None:
        """`message.created`: what the customer wrote."""
        await self._post("message.created", event, {"handoff_id": handoff.id, "text": event.text})

    async def closed(self, handoff: Handoff, event: CrmEvent) -> None:
        """`handoff.closed`, `how` being cancelled (by the customer) or resolved (here)."""
        await self._post("handoff.closed", event, {"handoff_id": handoff.id, "how": event.text})

    async def erased(self, event: CrmEvent) -> None:
        """`contact.erased`: the customer's data was erased here; the CRM deletes its copy
        of these handoffs, each named by our id, the id of its `handoff.created` event and
        the CRM's own reference (where it sent one back)."""
        handoffs = [
            {"handoff_id": handoff_id, "created_event": created, "crm_ref": ref}
            for handoff_id, ref, created in event.erased
        ]
        await self._post("contact.erased", event, {"handoffs": handoffs})

    async def _post(self, name: str, event: CrmEvent, data: dict[str, Any]) -> None:
        occurred = datetime.fromtimestamp(event.at or self._clock(), UTC).isoformat()
        document = {"event": name, "id": event.key, "occurred_at": occurred, "data": data}
        body = json.dumps(document, ensure_ascii=False).encode()
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            signing.EVENT_HEADER: name,
            signing.DELIVERY_HEADER: event.key,
            signing.TIMESTAMP_HEADER: timestamp,
            signing.SIGNATURE_HEADER: signing.sign(self._secret, timestamp, body),
        }
        try:
            async with self._http.post(
                self._url, data=body, headers=headers, timeout=self._timeout, allow_redirects=False
            ) as response:
                if response.status >= 300:
                    permanent = response.status < 500 and response.status != 429
                    raise CrmError(
                        f"the CRM webhook answered {response.status} to {name}",
                        permanent=permanent,
                    )
        except (aiohttp.ClientError, TimeoutError) as error:
            raise CrmError(f"the CRM webhook is not reachable: {error!r}") from None
