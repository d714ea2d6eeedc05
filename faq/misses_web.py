"""The misses inbox page under /admin/misses: groups of customer messages the bot did not
settle, and the three things an editor does with a group: start a topic from it, add its
wordings to a topic as example phrasings (a draft, published as usual), or dismiss it."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from bot.web.auth import Role, require_role
from bot.web.params import whole_number
from bot.web.sessions import form_field
from bot.web.templates import render
from faq.admin_service import FAQ_ADMIN
from faq.editorial import EditorialError, example_lines
from faq.misses import group_misses

MAX_IDS = 500


def setup_misses(app: web.Application) -> None:
    """Mount the inbox."""
    app.router.add_get("/admin/misses", inbox)
    app.router.add_post("/admin/misses/add", add_examples)
    app.router.add_post("/admin/misses/dismiss", dismiss)


def message_ids(raw: str) -> list[int]:
    """The ids a form lists as "1,2,3" (malformed parts ignored)."""
    numbers = (whole_number(part) for part in raw.split(",")[:MAX_IDS])
    return [number for number in numbers if number is not None]


@require_role(Role.EDITOR)
async def inbox(request: web.Request) -> web.StreamResponse:
    """The open misses, grouped, biggest group first."""
    faq = request.app[FAQ_ADMIN]
    groups = group_misses(await faq.misses.open_misses())
    topics = [topic.slug for topic in await faq.topics()]
    return render(
        request,
        "admin_misses.html",
        groups=groups,
        topics=topics,
        done=request.query.get("done", ""),
        refused=request.query.get("refused", ""),
    )


@require_role(Role.EDITOR)
async def add_examples(request: web.Request) -> web.StreamResponse:
    """Add a group's wordings to a topic's draft as example phrasings in their language."""
    faq, user = request.app[FAQ_ADMIN], request["user"]
    form = await request.post()
    ids, slug = message_ids(form_field(form, "ids")), form_field(form, "slug")
    group = await faq.misses.group_of(ids)
    if group is None:
        raise web.HTTPSeeOther("/admin/misses")
    try:
        topic = await faq.topic(slug)
    except EditorialError:
        raise web.HTTPSeeOther("/admin/misses?refused=not_found") from None
    base = (topic.open or topic.pending or topic.live or topic.latest).content
    wording = base.wordings.get(group.language)
    if wording is None:
        raise web.HTTPSeeOther("/admin/misses?refused=language")
    examples = example_lines("\n".join((*wording.examples, *group.examples())))
    content = replace(
        base, wordings={**base.wordings, group.language: replace(wording, examples=examples)}
    )
    note = f"+{len(examples) - len(wording.examples)} examples from the misses inbox"
    try:
        await faq.revisions.save_draft(slug, content, user.username, note)
    except EditorialError as error:
        raise web.HTTPSeeOther(f"/admin/misses?refused={error.code}") from None
    await faq.misses.resolve(group.message_ids, user.username, f"examples:{slug}")
    raise web.HTTPSeeOther(f"/admin/faq/{slug}?saved=1")


@require_role(Role.EDITOR)
async def dismiss(request: web.Request) -> web.StreamResponse:
    """Nothing to learn from these messages."""
    faq = request.app[FAQ_ADMIN]
    ids = message_ids(form_field(await request.post(), "ids"))
    await faq.misses.resolve(ids, request["user"].username, "dismissed")
    raise web.HTTPSeeOther("/admin/misses?done=dismissed")
