"""The REST API under /api: the knowledge base's topics, versions, publishing, preview,
test box and the audit log, as JSON. Its document is /api/openapi.json (faq/openapi.py).
Logged-in staff only (the session cookie, and X-CSRF-Token for changes); editors may draft,
only admins publish, roll back and read the audit log; agents get 403."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, ValidationError

from bot.web.auth import Role, StaffUser
from bot.web.params import whole_number
from faq.admin_service import FAQ_ADMIN, FaqAdmin
from faq.api_models import (
    AuditEntryOut,
    AuditPage,
    CategoryBody,
    CategoryList,
    CategoryOut,
    DiffLine,
    DiffOut,
    ErrorOut,
    FieldDiff,
    MeOut,
    NewTopicBody,
    PreviewBody,
    ProblemOut,
    PublicationList,
    PublicationOut,
    RevisionList,
    RevisionOut,
    TestBody,
    TopicBody,
    TopicList,
    TopicOut,
)
from faq.editorial import SLUG_PATTERN, EditorialError, Problem
from faq.exchange import write
from faq.knowledge_file import published_knowledge_base
from faq.openapi import ApiPart, openapi_document
from faq.publications import Publication

API_PREFIX = "/api"
OPENAPI_PATH = "/api/openapi.json"
API_PARTS = web.AppKey("api_parts", tuple)  # the ApiParts other modules serve under /api
# Route patterns shared with the admin pages: a malformed slug or number is a plain 404.
SLUG = f"{{slug:{SLUG_PATTERN.pattern.strip('^$')}}}"
NUMBER = "{number:[0-9]{1,9}}"
CATEGORY = f"{{category:{SLUG_PATTERN.pattern.strip('^$')}}}"
Body = TypeVar("Body", bound=BaseModel)
Endpoint = Callable[[web.Request, StaffUser, FaqAdmin], Awaitable[web.Response]]
_STATUS = {
    "not_found": 404,
    "slug_taken": 409,
    "wrong_state": 409,
    "busy": 409,
    "conflict": 409,
    "in_use": 409,
    "unknown_category": 409,
    "invalid": 422,
}
_MESSAGES = {
    "not_found": "no such topic, version or category",
    "slug_taken": "a topic with this slug exists",
    "wrong_state": "this version is not in a state that allows this step",
    "busy": "a version of this topic is being published; wait until it is live",
    "invalid": "the content cannot be trained on or answered with",
    "conflict": "someone changed this topic at the same moment; load it and try again",
    "in_use": "topics use this category; move them to another one first",
    "unknown_category": "no such category; an admin creates it first",
}


class ApiError(Exception):
    """Refuse a request with a status and a JSON error."""

    def __init__(
        self, status: int, error: str, message: str, problems: Sequence[ProblemOut] = ()
    ) -> None:
        super().__init__(message)
        self.response = json_response(
            ErrorOut(error=error, message=message, problems=list(problems)), status
        )


def json_response(body: BaseModel, status: int = 200) -> web.Response:
    """A pydantic model as the JSON answer."""
    return web.Response(text=body.model_dump_json(), status=status, content_type="application/json")


def problem_out(problem: Problem) -> ProblemOut:
    """A domain problem in the API's words."""
    limits = ", ".join(f"{k} {v}" for k, v in problem.values.items())
    return ProblemOut(
        field=problem.field, code=problem.code, message=f"{problem.code} {limits}".strip()
    )


def endpoint(role: Role) -> Callable[[Endpoint], Callable[[web.Request], Awaitable[web.Response]]]:
    """An API handler for staff whose role allows `role`, with errors as JSON."""

    def decorate(handler: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.Response:
            user = request.get("user")
            if not isinstance(user, StaffUser):
                return ApiError(401, "not_logged_in", "log in first").response
            if not user.role.allows(role):
                return ApiError(403, "forbidden", f"needs the {role.value} role").response
            try:
                return await handler(request, user, request.app[FAQ_ADMIN])
            except ApiError as error:
                return error.response
            except EditorialError as error:
                problems = [problem_out(p) for p in error.problems]
                refused = ApiError(_STATUS[error.code], error.code, _MESSAGES[error.code], problems)
                return refused.response

        return guarded

    return decorate


async def read_body(request: web.Request, model: type[Body]) -> Body:
    """The JSON body as `model`, or a 415/422 naming what is wrong."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "send application/json")
    raw = await request.read()
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        problems = [
            ProblemOut(
                field=".".join(str(part) for part in item["loc"]) or "body",
                code=item["type"],
                message=item["msg"],
            )
            for item in error.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise ApiError(422, "invalid", "the body does not match the schema", problems) from None


def query_int(
    request: web.Request, name: str, default: int | None, low: int, high: int
) -> int | None:
    """An integer query parameter within bounds, or a 400."""
    raw = request.query.get(name)
    if raw is None:
        return default
    number = whole_number(raw, high)
    if number is None or number < low:
        raise ApiError(400, "invalid_parameter", f"{name} is a whole number from {low} to {high}")
    return number


def _slug_number(request: web.Request) -> tuple[str, int]:
    return request.match_info["slug"], int(request.match_info["number"])


def _publication(publication: Publication) -> PublicationOut:
    return PublicationOut(
        id=publication.id,
        state=publication.state.value,
        stage=publication.stage,
        percent=publication.percent,
        revision_ids=list(publication.revision_ids),
        requested_by=publication.requested_by,
        model=publication.model,
        error=publication.error,
        started_at=publication.started_at,
        finished_at=publication.finished_at,
    )


async def openapi(request: web.Request) -> web.Response:
    """The API's OpenAPI 3.1 document (public: it describes, it does not reveal)."""
    return web.json_response(openapi_document(request.app[API_PARTS]))


async def me(request: web.Request) -> web.Response:
    """The logged-in account and its CSRF token (any role: scripts start here)."""
    user = request.get("user")
    if not isinstance(user, StaffUser):
        return ApiError(401, "not_logged_in", "log in first").response
    return json_response(
        MeOut(
            username=user.username,
            display_name=user.display_name,
            role=user.role.value,
            csrf=str(request.get("csrf", "")),
        )
    )


@endpoint(Role.EDITOR)
async def list_topics(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Every topic with its live, publishing and open versions."""
    return json_response(TopicList(topics=[TopicOut.of(t) for t in await faq.topics()]))


@endpoint(Role.EDITOR)
async def create_topic(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """A new topic, as a first draft."""
    body = await read_body(request, NewTopicBody)
    await faq.revisions.save_draft(body.slug, body.content(), user.username, body.note, new=True)
    return json_response(TopicOut.of(await faq.topic(body.slug)), 201)


@endpoint(Role.EDITOR)
async def get_topic(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """One topic."""
    return json_response(TopicOut.of(await faq.topic(request.match_info["slug"])))


@endpoint(Role.EDITOR)
async def save_draft(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Write the topic's open draft (or start one from this content)."""
    body = await read_body(request, TopicBody)
    slug = request.match_info["slug"]
    revision = await faq.revisions.save_draft(slug, body.content(), user.username, body.note)
    return json_response(RevisionOut.of(revision))


@endpoint(Role.EDITOR)
async def list_revisions(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """A topic's versions, newest first."""
    await faq.topic(request.match_info["slug"])
    history = await faq.revisions.history(request.match_info["slug"])
    return json_response(RevisionList(revisions=[RevisionOut.of(r) for r in history]))


@endpoint(Role.EDITOR)
async def get_revision(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """One version."""
    revision = await faq.revisions.revision(*_slug_number(request))
    if revision is None:
        raise EditorialError("not_found")
    return json_response(RevisionOut.of(revision))


@endpoint(Role.EDITOR)
async def submit(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """A draft goes to review."""
    return json_response(
        RevisionOut.of(await faq.revisions.submit(*_slug_number(request), user.username))
    )


@endpoint(Role.ADMIN)
async def send_back(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """A version in review goes back to draft."""
    revision = await faq.revisions.send_back(*_slug_number(request), user.username)
    return json_response(RevisionOut.of(revision))


@endpoint(Role.ADMIN)
async def publish(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Queue a version for the background retrain; it is answered once the model is served."""
    revision = await faq.publish(*_slug_number(request), user.username)
    return json_response(RevisionOut.of(revision), 202)


@endpoint(Role.ADMIN)
async def rollback(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Publish an earlier live version's content again, as a new version."""
    revision = await faq.rollback(*_slug_number(request), user.username)
    return json_response(RevisionOut.of(revision), 202)


@endpoint(Role.EDITOR)
async def topic_diff(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """What changed between two versions (by default, from the one before `to`)."""
    to_number = query_int(request, "to", None, 1, 999_999_999)
    if to_number is None:
        raise ApiError(400, "invalid_parameter", "to is required")
    from_number = query_int(request, "from", None, 1, 999_999_999)
    old, new, changes = await faq.changes(request.match_info["slug"], to_number, from_number)
    return json_response(
        DiffOut(
            slug=new.slug,
            from_number=old.number if old else None,
            to_number=new.number,
            changes=[
                FieldDiff(field=c.field, lines=[DiffLine(op=op, text=t) for op, t in c.lines])  # type: ignore[arg-type]
                for c in changes
            ],
        )
    )


@endpoint(Role.EDITOR)
async def list_publications(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """The newest publications first."""
    limit = query_int(request, "limit", 20, 1, 100) or 20
    publications = await faq.publications.recent(limit)
    return json_response(PublicationList(publications=[_publication(p) for p in publications]))


@endpoint(Role.EDITOR)
async def get_publication(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """One publication, with its progress."""
    publication = await faq.publications.get(int(request.match_info["publication_id"]))
    if publication is None:
        raise ApiError(404, "not_found", "no such publication")
    return json_response(_publication(publication))


@endpoint(Role.EDITOR)
async def preview(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """How an answer shows on Telegram and WhatsApp, with warnings."""
    body = await read_body(request, PreviewBody)
    return json_response(faq.preview(body.answer, body.buttons, body.language))


@endpoint(Role.EDITOR)
async def test_question(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Which entry would answer this question, with what confidence."""
    body = await read_body(request, TestBody)
    return json_response(await faq.test(body.text.strip(), body.language))


@endpoint(Role.EDITOR)
async def get_candidate(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """The candidate model of the open drafts: not trained, training (with progress), ready."""
    return json_response(await faq.test.candidate())


@endpoint(Role.EDITOR)
async def train_candidate(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Train a model on the open drafts in the background, to test questions against."""
    return json_response(await faq.train_candidate(user.username), status=202)


async def _categories(faq: FaqAdmin) -> CategoryList:
    used = await faq.categories.in_use()
    return CategoryList(
        categories=[
            CategoryOut(slug=c.slug, names=c.names, position=c.position, topics=used.get(c.slug, 0))
            for c in await faq.categories.all()
        ]
    )


@endpoint(Role.EDITOR)
async def list_categories(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """The menu's categories in their order, with how many topics use each."""
    return json_response(await _categories(faq))


@endpoint(Role.ADMIN)
async def save_category(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Create, rename or move a category; the menu shows it at once (no training needed)."""
    body = await read_body(request, CategoryBody)
    slug = request.match_info["category"]
    await faq.categories.save(slug, body.names.model_dump(), user.username, body.position)
    return json_response(await _categories(faq))


@endpoint(Role.ADMIN)
async def delete_category(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """Remove a category no topic uses."""
    await faq.categories.delete(request.match_info["category"], user.username)
    return json_response(await _categories(faq))


@endpoint(Role.EDITOR)
async def export(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """The live knowledge base (every topic's live version, disabled ones too, and the
    categories) as YAML or CSV: the files `servicebot faq import` reads."""
    file_format = request.query.get("format", "yaml")
    if file_format not in ("yaml", "csv"):
        raise ApiError(400, "invalid_parameter", "format is yaml or csv")
    return web.Response(
        text=write(await published_knowledge_base(faq.revisions, faq.categories), file_format),
        content_type="text/csv" if file_format == "csv" else "application/yaml",
        headers={"Content-Disposition": f'attachment; filename="faq.{file_format}"'},
    )


@endpoint(Role.ADMIN)
async def audit(request: web.Request, user: StaffUser, faq: FaqAdmin) -> web.Response:
    """The audit log, newest first."""
    limit = query_int(request, "limit", 50, 1, 200) or 50
    offset = query_int(request, "offset", 0, 0, 1_000_000_000) or 0
    entries, total = await faq.audit.recent(limit, offset)
    return json_response(
        AuditPage(
            entries=[
                AuditEntryOut(
                    at=e.at,
                    actor=e.actor,
                    action=e.action,
                    target=e.target,
                    details=dict(e.details),
                )
                for e in entries
            ],
            total=total,
        )
    )


def setup_api(app: web.Application, parts: tuple[ApiPart, ...] = ()) -> None:
    """Mount the API; `app[FAQ_ADMIN]` must be set before the first request. `parts`: what
    other modules serve under /api, for the OpenAPI document."""
    app[API_PARTS] = parts
    app.middlewares.append(json_errors)
    topic = f"/api/faq/topics/{SLUG}"
    revision = f"{topic}/revisions/{NUMBER}"
    app.router.add_get(OPENAPI_PATH, openapi)
    app.router.add_get("/api/me", me)
    app.router.add_get("/api/faq/topics", list_topics)
    app.router.add_post("/api/faq/topics", create_topic)
    app.router.add_get(topic, get_topic)
    app.router.add_put(f"{topic}/draft", save_draft)
    app.router.add_get(f"{topic}/revisions", list_revisions)
    app.router.add_get(revision, get_revision)
    app.router.add_post(f"{revision}/submit", submit)
    app.router.add_post(f"{revision}/send-back", send_back)
    app.router.add_post(f"{revision}/publish", publish)
    app.router.add_post(f"{revision}/rollback", rollback)
    app.router.add_get(f"{topic}/diff", topic_diff)
    app.router.add_get("/api/faq/publications", list_publications)
    app.router.add_get("/api/faq/publications/{publication_id:[0-9]{1,9}}", get_publication)
    app.router.add_post("/api/faq/preview", preview)
    app.router.add_post("/api/faq/test", test_question)
    app.router.add_get("/api/faq/categories", list_categories)
    app.router.add_put(f"/api/faq/categories/{CATEGORY}", save_category)
    app.router.add_delete(f"/api/faq/categories/{CATEGORY}", delete_category)
    app.router.add_get("/api/faq/candidate", get_candidate)
    app.router.add_post("/api/faq/candidate", train_candidate)
    app.router.add_get("/api/faq/export", export)
    app.router.add_get("/api/audit", audit)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Under /api, the router's and aiohttp's own refusals (404, 405, 413) come as JSON too."""
    if not request.path.startswith(API_PREFIX + "/"):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = error.reason.lower().replace(" ", "_")
        response = ApiError(error.status, code, error.reason).response
        if "Allow" in error.headers:  # a 405 names the methods the path has
            response.headers["Allow"] = error.headers["Allow"]
        return response
