"""The REST API's bodies as pydantic models: they validate what clients send, shape what
the API answers, and are the schemas of its OpenAPI document (faq/openapi.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from faq.editorial import (
    MAX_ANSWER,
    MAX_EXAMPLE,
    MAX_OWNER,
    MAX_QUESTION,
    MIN_EXAMPLES,
    SLUG_PATTERN,
    VISIBLE,
    Revision,
    Topic,
    TopicContent,
    Wording,
)
from faq.model import MAX_CATEGORY_NAME

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN.pattern)]
Language = Literal["de", "en"]
Example = Annotated[str, StringConstraints(max_length=MAX_EXAMPLE, pattern=VISIBLE.pattern)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class WordingBody(_Strict):
    """A topic in one language."""

    question: Annotated[str, StringConstraints(max_length=MAX_QUESTION, pattern=VISIBLE.pattern)]
    answer: Annotated[str, StringConstraints(max_length=MAX_ANSWER, pattern=VISIBLE.pattern)]
    examples: Annotated[list[Example], Field(min_length=MIN_EXAMPLES, max_length=500)]


class TopicBody(_Strict):
    """A topic's content as a draft saves it."""

    category: Slug
    wordings: Annotated[dict[Language, WordingBody], Field(min_length=1)]
    enabled: bool = True
    owner: Annotated[str, StringConstraints(max_length=MAX_OWNER)] = ""
    last_reviewed: date | None = None
    note: Annotated[str, StringConstraints(max_length=300)] = Field(
        default="", description="What changed and why (shown in the history)."
    )

    def content(self) -> TopicContent:
        """As the domain has it."""
        return TopicContent(
            category=self.category,
            enabled=self.enabled,
            owner=self.owner.strip(),
            last_reviewed=self.last_reviewed,
            wordings={
                language: Wording(
                    w.question.strip(), w.answer.strip(), tuple(e.strip() for e in w.examples)
                )
                for language, w in self.wordings.items()
            },
        )


class NewTopicBody(TopicBody):
    """A new topic: its slug (the model's intent name, fixed once created) and first draft."""

    slug: Slug


class RevisionOut(_Strict):
    """One version of a topic."""

    slug: str
    number: int
    state: Literal["draft", "review", "publishing", "published", "superseded"]
    author: str
    note: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    category: str
    enabled: bool
    owner: str
    last_reviewed: date | None
    wordings: dict[str, WordingBody]

    @classmethod
    def of(cls, revision: Revision) -> RevisionOut:
        """The API's view of a revision."""
        content = revision.content
        return cls(
            slug=revision.slug,
            number=revision.number,
            state=revision.state.value,
            author=revision.author,
            note=revision.note,
            created_at=revision.created_at,
            updated_at=revision.updated_at,
            published_at=revision.published_at,
            category=content.category,
            enabled=content.enabled,
            owner=content.owner,
            last_reviewed=content.last_reviewed,
            wordings={
                language: WordingBody.model_construct(
                    question=w.question, answer=w.answer, examples=list(w.examples)
                )
                for language, w in content.wordings.items()
            },
        )


class TopicOut(_Strict):
    """A topic: what is live, what is being published, and the open draft or review."""

    slug: str
    live: RevisionOut | None
    publishing: RevisionOut | None
    open: RevisionOut | None

    @classmethod
    def of(cls, topic: Topic) -> TopicOut:
        """The API's view of a topic."""
        return cls(
            slug=topic.slug,
            live=_view(topic.live),
            publishing=_view(topic.pending),
            open=_view(topic.open),
        )


def _view(revision: Revision | None) -> RevisionOut | None:
    return RevisionOut.of(revision) if revision else None


class TopicList(_Strict):
    """Every topic."""

    topics: list[TopicOut]


class RevisionList(_Strict):
    """A topic's versions, newest first."""

    revisions: list[RevisionOut]


class DiffLine(_Strict):
    """A line kept (" "), removed ("-") or added ("+")."""

    op: Literal[" ", "-", "+"]
    text: str


class FieldDiff(_Strict):
    """How one field changed."""

    field: str
    lines: list[DiffLine]


class DiffOut(_Strict):
    """What changed from one version to another."""

    slug: str
    from_number: int | None
    to_number: int
    changes: list[FieldDiff]


class PublicationOut(_Strict):
    """A background retrain that takes revisions live."""

    id: int
    state: Literal["training", "loading", "live", "failed"]
    stage: str
    percent: float
    revision_ids: list[int]
    requested_by: str
    model: str
    error: str
    started_at: datetime
    finished_at: datetime | None


class PublicationList(_Strict):
    """The newest publications first."""

    publications: list[PublicationOut]


class PreviewBody(_Strict):
    """An answer to preview, with the buttons that would go with it."""

    answer: Annotated[str, StringConstraints(max_length=20_000)]
    buttons: Annotated[
        list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=20)
    ] = []
    language: Language = "de"


class ChannelPreviewOut(_Strict):
    """How the answer shows on one messenger."""

    channel: Literal["telegram", "whatsapp"]
    bubbles: list[str] = Field(description="Each message as safe HTML (bold as <b>).")
    buttons: list[str]
    as_list: bool
    characters: int
    limit: int
    warnings: list[str]


class PreviewOut(_Strict):
    """Telegram's and WhatsApp's rendering of an answer."""

    telegram: ChannelPreviewOut
    whatsapp: ChannelPreviewOut


class TestBody(_Strict):
    """A question as a customer would type it."""

    text: Annotated[str, StringConstraints(max_length=2000, pattern=VISIBLE.pattern)]
    language: Language = "de"


class Verdict(_Strict):
    """Which entry would answer, and how sure the model is."""

    action: str
    faq: str | None
    intent: str
    confidence: float


class CandidateOut(_Strict):
    """The model trained on the knowledge base with every open draft in place: its training
    and, once the NLU server serves it, its decision. `loading` means trained and being
    loaded for testing (a few seconds to a minute)."""

    state: Literal["not_trained", "queued", "training", "loading", "ready", "failed"]
    model: str
    stage: str
    percent: float
    error: str
    verdict: Verdict | None


class TestOut(_Strict):
    """The served model's decision, and the candidate model's once it is trained."""

    model: str | None
    current: Verdict | None
    candidate: CandidateOut


CategoryName = Annotated[
    str, StringConstraints(max_length=MAX_CATEGORY_NAME, pattern=VISIBLE.pattern)
]


def _whole_number(value: object) -> object:
    """JSON has one number type: 3.0 is as good a place as 3 (but true is not 1)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Place = Annotated[Annotated[int, Field(ge=0, le=999)], BeforeValidator(_whole_number)]


class CategoryNames(_Strict):
    """A category's name per language; German is required."""

    de: CategoryName
    en: Annotated[str, StringConstraints(max_length=MAX_CATEGORY_NAME)] = ""


class CategoryBody(_Strict):
    """A category's names and, to move it, its place (0 is first)."""

    names: CategoryNames
    position: Place | None = None


class CategoryOut(_Strict):
    """A category of the customer's menu."""

    slug: str
    names: dict[str, str]
    position: int
    topics: int = Field(description="Topics that use it (a used category cannot be deleted).")


class CategoryList(_Strict):
    """The menu's categories in their order."""

    categories: list[CategoryOut]


class AuditEntryOut(_Strict):
    """One recorded action."""

    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, object]


class AuditPage(_Strict):
    """A page of the audit log, newest first."""

    entries: list[AuditEntryOut]
    total: int


class MeOut(_Strict):
    """Who is logged in, and the CSRF token their POST and PUT requests must carry."""

    username: str
    display_name: str
    role: Literal["agent", "editor", "admin"]
    csrf: str


class ProblemOut(_Strict):
    """What is wrong with one field."""

    field: str
    code: str
    message: str


class ErrorOut(_Strict):
    """Why a request was refused."""

    error: str
    message: str
    problems: list[ProblemOut] = []
