"""Jinja2 pages of the staff consoles: autoescaped, in the reader's language (de/en)."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.web.ui_texts import UI_TEXTS

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_PREFIX = "/static/"
LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
_STATIC_MOUNTED = web.AppKey("static_mounted", bool)


BUSINESS_TIMEZONE = ZoneInfo("Europe/Berlin")  # staff read times on the office clock


def local_time(moment: datetime) -> str:
    """HH:MM on the office clock (timestamps are stored in UTC)."""
    return moment.astimezone(BUSINESS_TIMEZONE).strftime("%H:%M")


def local_datetime(moment: datetime) -> str:
    """DD.MM.YYYY HH:MM on the office clock."""
    return moment.astimezone(BUSINESS_TIMEZONE).strftime("%d.%m.%Y %H:%M")


def plain(markup: str) -> str:
    """Our *bold* chat markup without the asterisks, for reading in the console."""
    return markup.replace("*", "")


@functools.cache
def environment() -> Environment:
    """The template environment (built on first use, then shared)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = local_time
    env.filters["plain"] = plain
    env.filters["local_datetime"] = local_datetime
    return env


def translate(key: str, lang: str, **values: object) -> str:
    """The UI text in `lang` (German if missing), with `{placeholders}` filled; unknown keys
    come back as themselves so a gap shows on the page instead of breaking it."""
    texts = UI_TEXTS.get(key)
    if texts is None:
        return key
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def negotiate_language(accept_language: str) -> str:
    """The supported language the Accept-Language header prefers most, else German."""
    best, best_quality = DEFAULT_LANGUAGE, 0.0
    for item in accept_language.split(","):
        tag, _, params = item.partition(";")
        primary = tag.strip().lower().split("-")[0]
        quality = _quality(params)
        if primary in LANGUAGES and quality > best_quality:
            best, best_quality = primary, quality
    return best


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def request_language(request: web.Request) -> str:
    """The logged-in user's language, else the browser's preference, else German."""
    language = getattr(request.get("user"), "language", None)
    if language in LANGUAGES:
        return str(language)
    return negotiate_language(request.headers.get("Accept-Language", ""))


def render(
    request: web.Request, name: str, *, status: int = 200, **context: object
) -> web.Response:
    """An HTML page from a template; besides `context` it sees `user` (StaffUser or None),
    `csrf` (the session's token for forms), `lang` and `t(key, **values)`."""
    lang = request_language(request)

    def t(key: str, **values: object) -> str:
        return translate(key, lang, **values)

    variables = {"user": request.get("user"), "csrf": request.get("csrf", ""), "lang": lang, "t": t}
    html = environment().get_template(name).render({**variables, **context})
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def setup_static(app: web.Application) -> None:
    """Serve bot/web/static/ under /static/ (once, however often it is called)."""
    if app.get(_STATIC_MOUNTED):
        return
    app[_STATIC_MOUNTED] = True
    app.router.add_static(STATIC_PREFIX, STATIC_DIR)
