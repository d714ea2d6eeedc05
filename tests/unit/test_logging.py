"""Logs carry context but no message bodies, contact data or secrets."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from bot.logging import configure_logging


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """Each test configures logging onto its captured stderr, which closes after it: later
    tests get the configuration back that they started with."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    structlog.reset_defaults()
    root.handlers[:], root.level = handlers, level


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


def last_line(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    """The last JSON line written to stderr."""
    line: dict[str, object] = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    return line


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Kunde +49 170 1234567 wartet", "Kunde [phone] wartet"),
        ("Rückruf unter 0561 123 456 0 erbeten", "Rückruf unter [phone] erbeten"),
        ("+49 (0) 561 / 123456", "[phone]"),
        ("0049 561 1234567", "[phone]"),
        ("no conversation whatsapp:4915112345678", "no conversation whatsapp:[phone]"),
        ("mail from p.holzmann@example.com bounced", "mail from [email] bounced"),
    ],
)
def test_phone_numbers_and_e_mails_are_masked_inside_any_text(
    capsys: pytest.CaptureFixture[str], written: str, shown: str
) -> None:
    configure_logging("INFO", json_lines=True)
    structlog.get_logger("t").warning(written, reason=written, nested={"why": [written]})
    line = last_line(capsys)
    assert line["event"] == shown
    assert line["reason"] == shown
    assert line["nested"] == {"why": [shown]}


@pytest.mark.parametrize(
    "kept",
    [
        "2026-11-23T12:00:00.123456Z",
        "entry 1732363200123-0",
        "KR-204815",
        "127.0.0.1:8080",
        "23.11.2026 12:00",
        "telegram:123456789",
        "550e8400-e29b-41d4-a716-446655440000",
        "openings 07:00-18:00",
    ],
)
def test_timestamps_ids_and_dates_are_not_taken_for_phone_numbers(
    capsys: pytest.CaptureFixture[str], kept: str
) -> None:
    configure_logging("INFO", json_lines=True)
    structlog.get_logger("t").info("seen", value=kept)
    assert last_line(capsys)["value"] == kept


def test_exception_messages_and_reprs_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json_lines=True)

    class Customer:
        def __repr__(self) -> str:
            return "Customer(phone='+4956170001001', email='einkauf@holzmann.example')"

    try:
        raise ValueError("no customer with +49 561 70001001 or einkauf@holzmann.example")
    except ValueError:
        structlog.get_logger("t").exception("lookup_failed", customer=Customer())
    line = last_line(capsys)
    assert "+49" not in str(line["exception"])
    assert "holzmann.example" not in str(line["exception"])
    assert "no customer with [phone] or [email]" in str(line["exception"])
    assert line["customer"] == "Customer(phone='[phone]', email='[email]')"


def test_message_bodies_appear_only_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", json_lines=True)
    log = structlog.get_logger("t")
    log.debug("parsed", text="Wo bleibt KR-204815? Tel. 0170 1234567", body="Hallo")
    line = last_line(capsys)
    assert (line["text"], line["body"]) == ("Wo bleibt KR-204815? Tel. [phone]", "Hallo")
    log.info("handled", text="Wo bleibt KR-204815?", content="Hallo", caption="Foto")
    line = last_line(capsys)
    assert (line["text"], line["content"], line["caption"]) == ("[redacted]",) * 3


def test_stdlib_log_lines_are_masked_too(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger().handlers.clear()  # pytest's would keep basicConfig from configuring
    configure_logging("INFO", json_lines=True)
    logging.getLogger("aiohttp.server").error("bad request from %s", "+49 170 1234567")
    written = capsys.readouterr().err
    assert "bad request from [phone]" in written
    assert "1234567" not in written


def test_logging_follows_stderr_when_it_is_swapped_after_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CLI run under a test harness configures logging onto a stand-in stderr that is closed
    afterwards; later log lines go to whatever stderr is then, instead of failing."""
    stand_in = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stand_in)
    configure_logging("INFO", json_lines=True)
    structlog.get_logger("t").info("during_the_run")
    stand_in.close()
    afterwards = io.StringIO()
    monkeypatch.setattr(sys, "stderr", afterwards)

    structlog.get_logger("t").info("after_the_run")

    assert json.loads(afterwards.getvalue())["event"] == "after_the_run"
