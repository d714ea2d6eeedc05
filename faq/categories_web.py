"""The categories page under /admin/categories (admins): the customer's menu in order, each
category named in German and English, moved up or down, added, or deleted once no topic uses
it. A change shows in the menu at once; categories take no part in training."""

from __future__ import annotations

from aiohttp import web

from bot.web.auth import Role, require_role
from bot.web.sessions import form_field
from bot.web.templates import render
from faq.admin_service import FAQ_ADMIN, FaqAdmin
from faq.api import CATEGORY
from faq.editorial import EditorialError, Problem
from faq.model import LANGUAGES

PAGE = "/admin/categories"
_MOVES = {"up": -1, "down": 1}


def setup_categories(app: web.Application) -> None:
    """Mount the page and its forms."""
    app.router.add_get(PAGE, categories_page)
    app.router.add_post(PAGE, save_category)
    app.router.add_post(f"{PAGE}/{CATEGORY}", save_category)
    app.router.add_post(f"{PAGE}/{CATEGORY}/delete", delete_category)


async def _page(
    request: web.Request,
    faq: FaqAdmin,
    *,
    problems: list[Problem] | None = None,
    refused: str = "",
    new: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    return render(
        request,
        "admin_categories.html",
        status=status,
        categories=await faq.categories.all(),
        used=await faq.categories.in_use(),
        problems=problems or [],
        refused=refused,
        new=new or {},
        saved=request.query.get("saved", ""),
    )


@require_role(Role.ADMIN)
async def categories_page(request: web.Request) -> web.StreamResponse:
    """Every category, in menu order."""
    return await _page(request, request.app[FAQ_ADMIN])


@require_role(Role.ADMIN)
async def save_category(request: web.Request) -> web.StreamResponse:
    """Rename or move a category (from its row), or add one (from the form below the list)."""
    faq, user = request.app[FAQ_ADMIN], request["user"]
    form = await request.post()
    slug = request.match_info.get("category") or form_field(form, "slug").strip()
    names = {language: form_field(form, language) for language in LANGUAGES}
    position = None
    move = form_field(form, "move")
    if move in _MOVES:
        order = [category.slug for category in await faq.categories.all()]
        position = max(order.index(slug) + _MOVES[move], 0) if slug in order else None
    try:
        await faq.categories.save(slug, names, user.username, position)
    except EditorialError as error:
        new = {"slug": slug, **names} if "category" not in request.match_info else None
        return await _page(
            request, faq, problems=error.problems, refused=error.code, new=new, status=422
        )
    raise web.HTTPSeeOther(f"{PAGE}?saved={slug}")


@require_role(Role.ADMIN)
async def delete_category(request: web.Request) -> web.StreamResponse:
    """Remove a category no topic uses."""
    faq, user = request.app[FAQ_ADMIN], request["user"]
    try:
        await faq.categories.delete(request.match_info["category"], user.username)
    except EditorialError as error:
        return await _page(request, faq, refused=error.code, status=409)
    raise web.HTTPSeeOther(PAGE)
