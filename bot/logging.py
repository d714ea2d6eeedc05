"""Structured logging: JSON lines in production, readable lines in a terminal."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO, cast

import structlog
from structlog.typing import EventDict

SECRET_FIELDS = frozenset({"token", "secret", "password", "authorization", "phone", "email"})
BODY_FIELDS = frozenset({"text", "body", "content", "caption"})  # what customers wrote
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# International (+ or 00, 8-15 digits), national (a leading 0, 8-14 digits) and bare WhatsApp
# ids (11-15 digits). Separators as people write them, but no dots in national numbers, so
# that dates stay; never inside a longer token (UUIDs, stream ids, versions).
PHONE = re.compile(
    r"(?<![\w+-])(?:"
    r"(?:\+|00)[1-9]\d?(?:[ ()/.-]{0,3}\d){6,13}"
    r"|0[1-9](?:[ ()/-]{0,3}\d){6,12}"
    r"|[1-9]\d{10,14}"
    r")(?![\w]|-\w)"
)


def mask(text: str) -> str:
    """The text with phone numbers and e-mail addresses replaced."""
    return PHONE.sub("[phone]", EMAIL.sub("[email]", text))


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_masked(item) for item in value]
    return mask(repr(value))  # what the renderer would print, masked


def _redact(_logger: object, method: str, event: EventDict) -> EventDict:
    """Secrets and contact data never reach the log, whatever a caller binds; message
    bodies only at DEBUG."""
    hidden = SECRET_FIELDS if method == "debug" else SECRET_FIELDS | BODY_FIELDS
    for key in event.keys() & hidden:
        event[key] = "[redacted]"
    return event


def _mask(_logger: object, _method: str, event: EventDict) -> EventDict:
    """Phone numbers and e-mail addresses inside any value (the event, an exception's
    text, a repr) are masked."""
    return {key: _masked(value) for key, value in event.items()}


class MaskingFormatter(logging.Formatter):
    """Stdlib log lines (aiohttp, SQLAlchemy, ...) with phone numbers and e-mails masked."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line, masked (the exception text included)."""
        return mask(super().format(record))


class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is written, not when logging was configured: a
    test runner or a CLI harness swaps stderr and closes its stand-in afterwards."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


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
            _mask,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(stream or cast(TextIO, _CurrentStderr())),
        # Not cached: a cached logger would keep writing where the first configuration
        # pointed. The price is one config lookup per log call.
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter("%(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    # httpx logs every request URL, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
