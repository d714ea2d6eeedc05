"""The Rasa server command: `rasa run --enable-api` with the current model."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit


def serve_command(rasa_executable: Path, model: Path, rasa_url: str, log_file: Path) -> list[str]:
    """Command line of a Rasa HTTP server on RASA_URL's host and port, API enabled."""
    parts = urlsplit(rasa_url)
    return [
        str(rasa_executable),
        "run",
        "--enable-api",
        "--interface",
        parts.hostname or "127.0.0.1",
        "--port",
        str(parts.port or 5005),
        "--model",
        str(model),
        "--log-file",
        str(log_file),
    ]
