"""Structured logging: JSON lines in production, readable lines in a terminal."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
from structlog.typing import EventDict

SECRET_FIELDS = frozenset(
    {"token", "secret", "password", "authorization", "text", "phone", "email"}
)


def _redact(_logger: object, _method: str, event: EventDict) -> EventDict:
    """Personal data and secrets never reach the log, whatever a caller binds."""
    for key in event.keys() & SECRET_FIELDS:
        event[key] = "[redacted]"
    return event


def configure_logging(
    level: str = "INFO", json_lines: bool = True, stream: TextIO | None = None
) -> None:
    """Configure structlog (to stderr unless another stream is given) and the stdlib loggers.
    Calling it again reconfigures every logger, also those already used."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_lines else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        # Not cached: a cached logger would keep writing where the first configuration
        # pointed. The price is one config lookup per log call.
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    # httpx logs every request URL, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
