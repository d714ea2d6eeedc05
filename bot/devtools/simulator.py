"""The simulator page (/dev/simulator): a phone on the desk for a new user.

What is typed there becomes a real Telegram update, posted by the Bot API stand-in to our
own webhook with the secret token; the bot's replies arrive back through the stand-in."""

from __future__ import annotations

import base64
import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.devtools.telegram_standin import StandinState, deliver_update

PAGE = Path(__file__).resolve().parent / "simulator.html"
CHAT_ID = 4242
# The simulated customer's phone: Petra Holzmann of the demo customer Schreinerei Holzmann
# (K10001, postal code 34117), so that "send my phone number" verifies like on a real phone.
CUSTOMER_PHONE = "4956170001001"
CUSTOMER = {"id": CHAT_ID, "is_bot": False, "first_name": "Demo", "last_name": "Kunde"}
CHAT = {"id": CHAT_ID, "type": "private", "first_name": "Demo", "last_name": "Kunde"}


@functools.cache
def page_policy() -> str:
    """The page's Content-Security-Policy: the consoles' (bot/web/sessions.py), but its one
    inline script may run, named by its hash."""
    script = PAGE.read_text(encoding="utf-8").split("<script>", 1)[1].split("</script>", 1)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return (
        f"default-src 'self'; script-src 'sha256-{digest}'; connect-src 'self'; "
        "style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )


class Simulator:
    """Routes of the simulator; shares the stand-in's state."""

    def __init__(self, state: StandinState, session: Callable[[], aiohttp.ClientSession]) -> None:
        self._state = state
        self._session = session  # created on startup, so passed as a getter

    async def page(self, _request: web.Request) -> web.FileResponse:
        """The chat page."""
        return web.FileResponse(PAGE, headers={"Content-Security-Policy": page_policy()})

    async def messages(self, request: web.Request) -> web.Response:
        """Chat lines after a sequence number (the page polls this)."""
        after = int(request.query.get("after", "0"))
        lines = [asdict(e) for e in self._state.chat if e.chat_id == CHAT_ID and e.seq > after]
        return web.json_response({"messages": lines})

    async def send(self, request: web.Request) -> web.Response:
        """Turn the customer's text or button press into an update and deliver it."""
        body: dict[str, Any] = await request.json()
        user = {**CUSTOMER, "language_code": str(body.get("language") or "de")[:2]}
        update: dict[str, Any] = {"update_id": self._state.next_update_id()}
        if body.get("callback_data"):
            line = self._state.record(CHAT_ID, "customer", f"▸ {body.get('title', '')}")
            update["callback_query"] = {
                "id": f"sim-{update['update_id']}",
                "from": user,
                "chat_instance": "simulator",
                "data": str(body["callback_data"])[:64],
                "message": {
                    "message_id": int(body.get("message_id", 0)),
                    "chat": CHAT,
                    "date": int(time.time()),
                    "text": "…",
                },
            }
        elif body.get("share_phone"):
            # What Telegram sends after the customer confirms "share my phone number".
            line = self._state.record(CHAT_ID, "customer", f"📱 +{CUSTOMER_PHONE}")
            update["message"] = {
                "message_id": line.message_id,
                "from": user,
                "chat": CHAT,
                "date": int(time.time()),
                "contact": {
                    "phone_number": CUSTOMER_PHONE,
                    "first_name": CUSTOMER["first_name"],
                    "user_id": CHAT_ID,
                },
            }
        else:
            text = str(body.get("text", "")).strip()[:4096]
            if not text:
                return web.json_response({"error": "empty message"}, status=400)
            line = self._state.record(CHAT_ID, "customer", text)
            update["message"] = {
                "message_id": line.message_id,
                "from": user,
                "chat": CHAT,
                "date": int(time.time()),
                "text": text,
            }
        status = await deliver_update(self._session(), self._state, update)
        return web.json_response({"webhook_status": status, "seq": line.seq})


def add_simulator_routes(app: web.Application, simulator: Simulator) -> None:
    """Mount the page and its API."""
    app.router.add_get("/dev/simulator", simulator.page)
    app.router.add_get("/dev/simulator/api/messages", simulator.messages)
    app.router.add_post("/dev/simulator/api/messages", simulator.send)
