"""Logs carry context but no message bodies, contact data or secrets."""

from __future__ import annotations

import json
import logging

import pytest
import structlog

from bot.logging import configure_logging


def test_personal_data_and_secrets_are_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_lines=True)
    structlog.get_logger("t").info(
        "message_handled",
        conversation="telegram:42",
        text="Meine Nummer ist +49 170 1234567",
        phone="+491701234567",
        email="p.holzmann@example.com",
        token="123:ABC",
    )
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["conversation"] == "telegram:42"
    for key in ("text", "phone", "email", "token"):
        assert line[key] == "[redacted]"


def test_http_client_request_lines_with_the_bot_token_are_not_logged() -> None:
    configure_logging("DEBUG", json_lines=True)
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
