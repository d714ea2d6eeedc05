"""`python -m bot` is the servicebot CLI (used by the supervisor for its children)."""

from bot.cli import app

app()
