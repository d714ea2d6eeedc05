"""Reading a webhook's body within a size limit (413 before anything is parsed)."""

from __future__ import annotations

from aiohttp import web


class BodyTooLargeError(Exception):
    """The body is larger than the webhook accepts."""


async def read_bounded(request: web.Request, max_bytes: int) -> bytes:
    """The raw body; BodyTooLargeError past `max_bytes` (checked before and after reading:
    the announced length may be missing or wrong)."""
    if (request.content_length or 0) > max_bytes:
        raise BodyTooLargeError
    try:
        body = await request.read()  # bounded by the app's client_max_size
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLargeError from None
    if len(body) > max_bytes:
        raise BodyTooLargeError
    return body
