"""The REST API's OpenAPI 3.1 document, built from the same pydantic models that validate
its requests and shape its answers (faq/api_models.py), so it cannot drift from them."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from faq import api_models as m
from faq.editorial import SLUG_PATTERN

_REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "A query parameter is malformed.",
    "401": "Not logged in.",
    "403": "The role does not allow this, or the CSRF token is missing.",
    "404": "No such topic, version, publication or category.",
    "409": "The version is not in a state that allows this step, or the category is missing "
    "or in use.",
    "413": "The body is too large.",
    "415": "The body is not JSON.",
    "422": "The body does not match the schema, or the content cannot be trained on.",
}
_INPUTS: tuple[type[BaseModel], ...] = (
    m.NewTopicBody,
    m.TopicBody,
    m.PreviewBody,
    m.TestBody,
    m.CategoryBody,
)
_OUTPUTS: tuple[type[BaseModel], ...] = (
    m.TopicList,
    m.TopicOut,
    m.RevisionOut,
    m.RevisionList,
    m.DiffOut,
    m.PublicationList,
    m.PublicationOut,
    m.PreviewOut,
    m.TestOut,
    m.CandidateOut,
    m.CategoryList,
    m.AuditPage,
    m.ErrorOut,
    m.MeOut,
)


@dataclass(frozen=True, eq=False)  # known by identity: the document is cached per set of parts
class ApiPart:
    """Operations another module serves under /api, described in the same document: its
    paths (built with `operation`) and the pydantic models they refer to."""

    paths: dict[str, Any]
    inputs: tuple[type[BaseModel], ...] = ()
    outputs: tuple[type[BaseModel], ...] = ()


def _path_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


def _query(
    name: str, schema: dict[str, Any], description: str, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


SLUG = _path_parameter(
    "slug",
    {"type": "string", "pattern": SLUG_PATTERN.pattern},
    "The topic's slug (its intent name).",
)
NUMBER = _path_parameter(
    "number", {"type": "integer", "minimum": 0, "maximum": 999_999_999}, "The version number."
)
PUBLICATION = _path_parameter(
    "publication_id", {"type": "integer", "minimum": 0, "maximum": 999_999_999}, "The publication."
)
CATEGORY = _path_parameter(
    "category",
    {"type": "string", "pattern": SLUG_PATTERN.pattern, "maxLength": 32},
    "The category's key.",
)
VERSION = {"type": "integer", "minimum": 1, "maximum": 999_999_999}
# The layout of faq/data/demo_faq.yaml: one item per topic, a block per language.
_YAML_EXPORT = {
    "type": "object",
    "required": ["categories", "entries"],
    "properties": {
        "categories": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["slug"],
                "properties": {
                    "slug": {"type": "string"},
                    "de": {"type": "string"},
                    "en": {"type": "string"},
                },
            },
        },
        "entries": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["slug", "category"],
                "properties": {
                    "slug": {"type": "string"},
                    "category": {"type": "string"},
                    "de": {"$ref": "#/components/schemas/WordingBody"},
                    "en": {"$ref": "#/components/schemas/WordingBody"},
                },
            },
        },
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=schema)}}}


def operation(
    summary: str,
    ok: tuple[str, str],
    *,
    body: str | None = None,
    parameters: tuple[dict[str, Any], ...] = (),
    role: str = "editor",
    tag: str = "faq",
) -> dict[str, Any]:
    """One operation: `ok` is its success status and model; the API's errors come with it."""
    status, schema = ok
    responses: dict[str, Any] = {status: {"description": "OK", "content": _json(schema)}}
    for code, description in _ERRORS.items():
        responses[code] = {"description": description, "content": _json("ErrorOut")}
    described: dict[str, Any] = {
        "summary": summary,
        "description": f"Needs the {role} role (admins may do everything).",
        "tags": [tag],
        "operationId": summary.lower().replace(" ", "_").replace("'", ""),
        "parameters": list(parameters),
        "responses": responses,
    }
    if body is not None:
        described["requestBody"] = {"required": True, "content": _json(body)}
    return described


def _paths() -> dict[str, Any]:
    topic = "/api/faq/topics/{slug}"
    revision = f"{topic}/revisions/{{number}}"
    both = (SLUG, NUMBER)
    export = operation(
        "Export the knowledge base",
        ("200", "ErrorOut"),
        parameters=(_query("format", {"type": "string", "enum": ["yaml", "csv"]}, "File format."),),
    )
    export["responses"]["200"] = {
        "description": "The live knowledge base as a file `servicebot faq import` reads.",
        "content": {
            "application/yaml": {"schema": _YAML_EXPORT},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
    me = operation("Who am I", ("200", "MeOut"), role="agent", tag="session")
    return {
        "/api/me": {"get": me},
        "/api/faq/topics": {
            "get": operation("List topics", ("200", "TopicList")),
            "post": operation("Create a topic", ("201", "TopicOut"), body="NewTopicBody"),
        },
        topic: {"get": operation("Get a topic", ("200", "TopicOut"), parameters=(SLUG,))},
        f"{topic}/draft": {
            "put": operation(
                "Save the draft", ("200", "RevisionOut"), body="TopicBody", parameters=(SLUG,)
            )
        },
        f"{topic}/revisions": {
            "get": operation("List versions", ("200", "RevisionList"), parameters=(SLUG,))
        },
        revision: {"get": operation("Get a version", ("200", "RevisionOut"), parameters=both)},
        f"{revision}/submit": {
            "post": operation("Submit for review", ("200", "RevisionOut"), parameters=both)
        },
        f"{revision}/send-back": {
            "post": operation(
                "Send back to draft", ("200", "RevisionOut"), parameters=both, role="admin"
            )
        },
        f"{revision}/publish": {
            "post": operation(
                "Publish a version", ("202", "RevisionOut"), parameters=both, role="admin"
            )
        },
        f"{revision}/rollback": {
            "post": operation(
                "Roll back to a version", ("202", "RevisionOut"), parameters=both, role="admin"
            )
        },
        f"{topic}/diff": {
            "get": operation(
                "Compare versions",
                ("200", "DiffOut"),
                parameters=(
                    SLUG,
                    _query("to", VERSION, "The newer version.", required=True),
                    _query("from", VERSION, "The older version (default: the one before)."),
                ),
            )
        },
        "/api/faq/publications": {
            "get": operation(
                "List publications",
                ("200", "PublicationList"),
                parameters=(
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "How many."),
                ),
            )
        },
        "/api/faq/publications/{publication_id}": {
            "get": operation(
                "Get a publication", ("200", "PublicationOut"), parameters=(PUBLICATION,)
            )
        },
        "/api/faq/preview": {
            "post": operation("Preview an answer", ("200", "PreviewOut"), body="PreviewBody")
        },
        "/api/faq/test": {
            "post": operation("Test a question", ("200", "TestOut"), body="TestBody")
        },
        "/api/faq/categories": {
            "get": operation("List categories", ("200", "CategoryList")),
        },
        "/api/faq/categories/{category}": {
            "put": operation(
                "Save a category",
                ("200", "CategoryList"),
                body="CategoryBody",
                parameters=(CATEGORY,),
                role="admin",
            ),
            "delete": operation(
                "Delete a category", ("200", "CategoryList"), parameters=(CATEGORY,), role="admin"
            ),
        },
        "/api/faq/candidate": {
            "get": operation("Get the candidate model", ("200", "CandidateOut")),
            "post": operation("Train the candidate model", ("202", "CandidateOut")),
        },
        "/api/faq/export": {"get": export},
        "/api/audit": {
            "get": operation(
                "Read the audit log",
                ("200", "AuditPage"),
                parameters=(
                    _query(
                        "limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size."
                    ),
                    _query(
                        "offset",
                        {"type": "integer", "minimum": 0, "maximum": 1_000_000_000},
                        "Skip.",
                    ),
                ),
                role="admin",
                tag="audit",
            )
        },
    }


@functools.cache
def openapi_document(parts: tuple[ApiPart, ...] = ()) -> dict[str, Any]:
    """The document served at /api/openapi.json: the FAQ administration and the parts other
    modules add."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((model, "validation") for model in _INPUTS),
        *((model, "serialization") for model in _OUTPUTS),
        *((model, "validation") for part in parts for model in part.inputs),
        *((model, "serialization") for part in parts for model in part.outputs),
    ]
    _keys, schemas = models_json_schema(models, ref_template=_REF)
    paths = _paths()
    for part in parts:
        paths.update(part.paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "servicebot administration",
            "version": "1",
            "description": (
                "Topics of the knowledge base, their versions (draft, review, publishing, "
                "published), background publishing, preview, test box and audit log; "
                "data-protection requests. "
                "Log in at /agent/login; send the session cookie, and the session's CSRF "
                "token as X-CSRF-Token with every POST, PUT and DELETE."
            ),
        },
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sb_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            },
        },
        "paths": _secured(paths),
    }


def _secured(paths: dict[str, Any]) -> dict[str, Any]:
    """The operations with their security: every one needs the session, those that change
    something also the CSRF token (new dicts: the parts' own stay as they are)."""
    secured: dict[str, Any] = {}
    for path, methods in paths.items():
        secured[path] = {}
        for method, described in methods.items():
            changes = method in ("post", "put", "delete")
            security: list[dict[str, list[str]]] = [
                {"session": [], "csrf": []} if changes else {"session": []}
            ]
            secured[path][method] = {**described, "security": security}
    return secured
