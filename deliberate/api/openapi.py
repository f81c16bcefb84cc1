"""The OpenAPI 3.1 document for /api/v1, served at /api/v1/openapi.json.

Resource modules add their paths and schemas with `describe()` at import time, so the
document always lists exactly the routes that exist; a test checks both directions.
"""

from flask import jsonify, request

from deliberate.api import MAX_PER_PAGE, bp
from deliberate.permissions import public

PATHS: dict[str, dict] = {}
SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    },
}
PAGE_PARAMETERS = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100_000, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": 20},
    },
]
ERROR_RESPONSES = {
    "400": {
        "description": "A parameter cannot be used as given",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "404": {
        "description": "No such item",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
    "429": {
        "description": "Too many requests",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    },
}


def page_schema(item_ref: str) -> dict:
    """The list envelope around items of one schema."""
    link = {"type": ["string", "null"]}
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "next", "prev"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "next": link,
            "prev": link,
        },
    }


def describe(
    path: str,
    summary: str,
    schema: dict,
    *,
    parameters: list | None = None,
    paged: bool = False,
    errors: tuple[str, ...] = ("400", "404", "429"),
    security: list | None = None,
) -> None:
    """Add one GET operation to the document."""
    operation = {
        "summary": summary,
        "parameters": (PAGE_PARAMETERS if paged else []) + (parameters or []),
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            **{code: ERROR_RESPONSES[code] for code in errors},
        },
    }
    if security is not None:
        operation["security"] = security
        operation["responses"]["401"] = {
            "description": "Missing, revoked or wrong token",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    PATHS[path] = {"get": operation}


def document(server_url: str) -> dict:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Deliberate API",
            "version": "1.0.0",
            "description": "Public data of a Deliberate organisation: proposals, "
            "referendums and the rulebook's versions.",
        },
        "servers": [{"url": server_url}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"auditorToken": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
@public
def openapi_document():
    return jsonify(document(request.url_root.rstrip("/") + "/api/v1"))


SCHEMAS["RulebookVersion"] = {
    "type": "object",
    "required": ["id", "state", "url", "number", "content_hash", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "number": {"type": "integer"},
        "state": {"enum": ["in_force", "superseded"]},
        "url": {"type": "string"},
        "content_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "reason": {"type": "string"},
        "created_at": {"type": "string"},
        "author": {"type": ["string", "null"]},
        "enacted_by": {"type": ["string", "null"]},
        "content": {"type": "object"},
    },
}
SCHEMAS["RulebookVersionPage"] = page_schema("#/components/schemas/RulebookVersion")
describe(
    "/rulebook/versions",
    "Every version of the rulebook, newest first",
    {"$ref": "#/components/schemas/RulebookVersionPage"},
    paged=True,
    errors=("400", "429"),
)
describe(
    "/rulebook/versions/{number}",
    "One version, with its full content",
    {"$ref": "#/components/schemas/RulebookVersion"},
    parameters=[
        {
            "name": "number",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
        }
    ],
    errors=("404", "429"),
)
describe(
    "/public-key",
    "The Ed25519 public key that signs audit bundles",
    {
        "type": "object",
        "required": ["algorithm", "public_key_pem"],
        "properties": {"algorithm": {"const": "Ed25519"}, "public_key_pem": {"type": "string"}},
    },
    errors=("429",),
)
describe("/", "Links to the API's collections", {"type": "object"}, errors=("429",))
