"""The FAQ admin pages under /admin (server-rendered, German and English): the topic list,
a topic with its draft, preview, test box and history, diffs, publishing progress and the
audit log. Editors draft and submit; admins also publish, send back and roll back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from aiohttp import web
from yarl import URL

from bot.web.auth import Role, StaffUser, require_role
from bot.web.params import whole_number
from bot.web.sessions import form_field
from bot.web.templates import render
from faq.admin_service import FAQ_ADMIN, FaqAdmin
from faq.api import NUMBER, SLUG
from faq.api_models import TestOut
from faq.editorial import EditorialError, Problem, Topic, TopicContent, Wording, example_lines
from faq.misses_web import message_ids
from faq.model import LANGUAGES

_STEPS = {"submit", "send-back", "publish", "rollback"}


def setup_admin(app: web.Application) -> None:
    """Mount the admin pages; `app[FAQ_ADMIN]` must be set before the first request."""
    app.router.add_get("/admin", home)
    app.router.add_get("/admin/faq", topic_list)
    app.router.add_get("/admin/faq/new", new_topic_form)
    app.router.add_post("/admin/faq/new", create_topic)
    app.router.add_get(f"/admin/faq/{SLUG}", topic_page)
    app.router.add_post(f"/admin/faq/{SLUG}/draft", save_draft)
    app.router.add_post(f"/admin/faq/{SLUG}/revisions/{NUMBER}/{{step}}", workflow_step)
    app.router.add_post(f"/admin/faq/{SLUG}/candidate", train_candidate)
    app.router.add_get(f"/admin/faq/{SLUG}/diff", diff_page)
    app.router.add_get("/admin/publications", publications_page)
    app.router.add_get("/admin/publications/{publication_id:[0-9]{1,9}}", publication_page)
    app.router.add_get("/admin/audit", audit_page)


@require_role(Role.EDITOR)
async def home(request: web.Request) -> web.StreamResponse:
    """The admin starts at the topic list."""
    raise web.HTTPSeeOther("/admin/faq")


@require_role(Role.EDITOR)
async def topic_list(request: web.Request) -> web.StreamResponse:
    """Every topic with its state, and the publication running now."""
    faq = request.app[FAQ_ADMIN]
    publications = await faq.publications.recent(1)
    running = publications[0] if publications and publications[0].running else None
    categories = {category.slug: category for category in await faq.categories.all()}
    return render(
        request,
        "admin_topics.html",
        topics=await faq.topics(),
        running=running,
        categories=categories,
    )


@require_role(Role.EDITOR)
async def new_topic_form(request: web.Request) -> web.StreamResponse:
    """An empty form for a new topic, or one whose examples are a group of the misses inbox
    (`?misses=1,2,3`; saving it takes them out of the inbox)."""
    form: dict[str, str] = {}
    ids = message_ids(request.query.get("misses", ""))
    faq = request.app[FAQ_ADMIN]
    if group := await faq.misses.group_of(ids):
        form = {"misses": ",".join(map(str, group.message_ids)), "enabled": "on"}
        form[f"{group.language}_examples"] = "\n".join(group.examples())
        form[f"{group.language}_question"] = group.label[:200]
    return render(
        request,
        "admin_topic_form.html",
        form=form,
        problems=[],
        refused="",
        topic=None,
        categories=await faq.categories.all(),
    )


@require_role(Role.EDITOR)
async def create_topic(request: web.Request) -> web.StreamResponse:
    """Save a new topic's first draft."""
    return await _save(request, request["user"], new=True)


@require_role(Role.EDITOR)
async def save_draft(request: web.Request) -> web.StreamResponse:
    """Save the open draft of a topic."""
    return await _save(request, request["user"], new=False)


async def _save(request: web.Request, user: StaffUser, *, new: bool) -> web.StreamResponse:
    faq = request.app[FAQ_ADMIN]
    form = {key: form_field(await request.post(), key) for key in _FORM_KEYS}
    slug = form["slug"].strip() if new else request.match_info["slug"]
    content = content_from_form(form)
    try:
        await faq.revisions.save_draft(slug, content, user.username, form["note"].strip(), new=new)
    except EditorialError as error:
        # Problems belong to fields (a taken slug to the slug); any other refusal is the step's.
        taken = [Problem("slug", error.code)] if error.code == "slug_taken" else []
        problems, refused = error.problems or taken, ""
        if not problems:
            refused = error.code
        topic = None if new else await _topic_or_404(faq, slug)
        if topic is not None:
            return await _topic_view(
                request, faq, topic, form=form, problems=problems, refused=refused, status=422
            )
        return render(
            request,
            "admin_topic_form.html",
            form=form,
            problems=problems,
            refused=refused,
            topic=None,
            categories=await faq.categories.all(),
            status=422,
        )
    if new and (ids := message_ids(form["misses"])):
        await faq.misses.resolve(ids, user.username, f"topic:{slug}")
    raise web.HTTPSeeOther(f"/admin/faq/{slug}?saved=1")


_FORM_KEYS = (
    "misses",
    "slug",
    "category",
    "owner",
    "last_reviewed",
    "enabled",
    "note",
    *(
        f"{language}_{name}"
        for language in LANGUAGES
        for name in ("question", "answer", "examples")
    ),
)


def content_from_form(form: Mapping[str, str]) -> TopicContent:
    """The content a topic form describes; a language counts when any of its fields is
    filled (so that an empty English block means German only)."""
    wordings = {}
    for language in LANGUAGES:
        question, answer = form[f"{language}_question"].strip(), form[f"{language}_answer"].strip()
        examples = example_lines(form[f"{language}_examples"])
        if question or answer or examples:
            wordings[language] = Wording(question, answer.replace("\r\n", "\n"), examples)
    try:
        reviewed = date.fromisoformat(form["last_reviewed"]) if form["last_reviewed"] else None
    except ValueError:
        reviewed = None
    return TopicContent(
        category=form["category"].strip(),
        wordings=wordings,
        enabled=bool(form["enabled"]),
        owner=form["owner"].strip(),
        last_reviewed=reviewed,
    )


def form_from_content(content: TopicContent, slug: str) -> dict[str, str]:
    """The topic form filled with a revision's content."""
    form = {
        "slug": slug,
        "category": content.category,
        "owner": content.owner,
        "last_reviewed": content.last_reviewed.isoformat() if content.last_reviewed else "",
        "enabled": "on" if content.enabled else "",
        "note": "",
    }
    for language in LANGUAGES:
        wording = content.wordings.get(language)
        form[f"{language}_question"] = wording.question if wording else ""
        form[f"{language}_answer"] = wording.answer if wording else ""
        form[f"{language}_examples"] = "\n".join(wording.examples) if wording else ""
    return form


async def _topic_or_404(faq: FaqAdmin, slug: str) -> Topic:
    try:
        return await faq.topic(slug)
    except EditorialError:
        raise web.HTTPNotFound(text=slug) from None


@require_role(Role.EDITOR)
async def topic_page(request: web.Request) -> web.StreamResponse:
    """A topic: its draft form, preview, test box and history."""
    faq = request.app[FAQ_ADMIN]
    topic = await _topic_or_404(faq, request.match_info["slug"])
    return await _topic_view(request, faq, topic)


async def _topic_view(
    request: web.Request,
    faq: FaqAdmin,
    topic: Topic,
    *,
    form: Mapping[str, str] | None = None,
    problems: list[Problem] | None = None,
    refused: str = "",
    status: int = 200,
) -> web.Response:
    shown = topic.open or topic.pending or topic.live or topic.latest
    language = request.query.get("preview", "de")
    language = language if language in LANGUAGES else "de"
    previews = {
        lang: faq.preview(wording.answer, (), lang)
        for lang, wording in shown.content.wordings.items()
    }
    question = request.query.get("q", "").strip()[:2000]
    tested: TestOut | None = await faq.test(question, language) if question else None
    candidate = tested.candidate if tested else await faq.test.candidate()
    return render(
        request,
        "admin_topic.html",
        status=status,
        topic=topic,
        shown=shown,
        form=form or form_from_content(shown.content, topic.slug),
        problems=problems or [],
        previews=previews,
        history=await faq.revisions.history(topic.slug),
        question=question,
        tested=tested,
        candidate=candidate,
        categories=await faq.categories.all(),
        saved="saved" in request.query,
        refused=refused or request.query.get("refused", ""),
    )


@require_role(Role.EDITOR)
async def workflow_step(request: web.Request) -> web.StreamResponse:
    """Submit, send back, publish or roll back a version (the last three: admins only)."""
    faq, user = request.app[FAQ_ADMIN], request["user"]
    slug, number, step = (
        request.match_info["slug"],
        int(request.match_info["number"]),
        request.match_info["step"],
    )
    if step not in _STEPS:
        raise web.HTTPNotFound()
    if step != "submit" and not user.role.allows(Role.ADMIN):
        raise web.HTTPForbidden()
    actions = {
        "submit": faq.revisions.submit,
        "send-back": faq.revisions.send_back,
        "publish": faq.publish,
        "rollback": faq.rollback,
    }
    try:
        await actions[step](slug, number, user.username)
    except EditorialError as error:
        raise web.HTTPSeeOther(f"/admin/faq/{slug}?refused={error.code}") from None
    raise web.HTTPSeeOther(f"/admin/faq/{slug}")


@require_role(Role.EDITOR)
async def train_candidate(request: web.Request) -> web.StreamResponse:
    """Train the test box's model on the open drafts; back to the topic, question kept."""
    faq, user = request.app[FAQ_ADMIN], request["user"]
    slug = (await _topic_or_404(faq, request.match_info["slug"])).slug
    await faq.train_candidate(user.username)
    question = form_field(await request.post(), "q").strip()[:2000]
    location = URL(f"/admin/faq/{slug}")
    raise web.HTTPSeeOther(location.with_query(q=question) if question else location)


@require_role(Role.EDITOR)
async def diff_page(request: web.Request) -> web.StreamResponse:
    """What changed from one version to another."""
    faq = request.app[FAQ_ADMIN]
    slug = request.match_info["slug"]
    to_raw, from_raw = request.query.get("to", ""), request.query.get("from", "")
    to_number, from_number = whole_number(to_raw), whole_number(from_raw) if from_raw else None
    if to_number is None or (from_raw and from_number is None):
        raise web.HTTPBadRequest(text="to and from are version numbers")
    try:
        old, new, changes = await faq.changes(slug, to_number, from_number)
    except EditorialError:
        raise web.HTTPNotFound(text=slug) from None
    return render(request, "admin_diff.html", slug=slug, old=old, new=new, changes=changes)


@require_role(Role.EDITOR)
async def publications_page(request: web.Request) -> web.StreamResponse:
    """The newest publications."""
    publications = await request.app[FAQ_ADMIN].publications.recent(30)
    return render(request, "admin_publications.html", publications=publications)


@require_role(Role.EDITOR)
async def publication_page(request: web.Request) -> web.StreamResponse:
    """One publication's progress (the page follows it through the API)."""
    publication = await request.app[FAQ_ADMIN].publications.get(
        int(request.match_info["publication_id"])
    )
    if publication is None:
        raise web.HTTPNotFound()
    return render(request, "admin_publication.html", publication=publication)


@require_role(Role.ADMIN)
async def audit_page(request: web.Request) -> web.StreamResponse:
    """The audit log, newest first, 50 a page."""
    page_raw = request.query.get("page", "1")
    page = whole_number(page_raw, 99_999) or 1
    entries, total = await request.app[FAQ_ADMIN].audit.recent(50, (page - 1) * 50)
    return render(
        request, "admin_audit.html", entries=entries, total=total, page=page, pages=-(-total // 50)
    )
