"""A stand-in for `rasa run --enable-api` in the NLU gateway's unit tests: it answers /status
and /model/parse naming the model it was started with. A model whose file name contains
"broken" fails to load; the parse text "slow" takes two seconds."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aiohttp import web

STARTUP_SECONDS = 1.0  # Rasa needs a while to load; the gateway must not route to it before


def _app(model_name: str) -> web.Application:
    async def status(_request: web.Request) -> web.Response:
        return web.json_response({"model_file": model_name})

    async def parse(request: web.Request) -> web.Response:
        text = str((await request.json())["text"])
        if text == "slow":
            await asyncio.sleep(2)
        ranking = [{"name": model_name, "confidence": 1.0}]
        return web.json_response({"text": text, "intent": ranking[0], "intent_ranking": ranking})

    app = web.Application()
    app.router.add_get("/status", status)
    app.router.add_post("/model/parse", parse)
    return app


def main(argv: list[str]) -> int:
    """Parse Rasa's `run` arguments (as nlu.server builds them) and serve."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--enable-api", action="store_true")
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--log-file")
    args = parser.parse_args(argv)
    name = Path(args.model).name
    if "broken" in name:
        print(f"cannot load {name}", file=sys.stderr)
        return 1
    asyncio.run(asyncio.sleep(STARTUP_SECONDS))
    web.run_app(_app(name), host=args.interface, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
