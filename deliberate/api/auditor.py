"""Auditor-only endpoints, authenticated by a token the auditor made in the browser."""

from functools import wraps

from flask import g, jsonify, request, url_for
from sqlalchemy import func, select

from deliberate.api import bp, page_arguments, page_of
from deliberate.api.openapi import SCHEMAS, describe, page_schema
from deliberate.extensions import db
from deliberate.models import AuditEntry, utcnow
from deliberate.services import api_tokens


def token_required(view):
    """401 unless the request carries a live auditor token (cookies are not accepted)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        member = (
            api_tokens.authenticate(db.session, raw.strip(), now=utcnow())
            if scheme.lower() == "bearer"
            else None
        )
        if member is None:
            response = jsonify(
                {
                    "error": "unauthorized",
                    "message": "Send a live auditor token: Authorization: Bearer …",
                }
            )
            return response, 401, {"WWW-Authenticate": 'Bearer realm="deliberate"'}
        g.api_member = member
        return view(*args, **kwargs)

    guarded.policy = "api_token"  # type: ignore[attr-defined]
    return guarded


@bp.get("/audit/log")
@token_required
def audit_log_entries():
    page, per_page = page_arguments()
    total = db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    rows = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).offset((page - 1) * per_page).limit(per_page)
    )
    items = [
        {
            "id": e.seq,
            "state": "recorded",
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor_label,
            "action": e.action,
            "payload_json": e.payload_json,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
            "url": url_for("audit.log", _external=True),
        }
        for e in rows
    ]
    return jsonify(page_of(items, total, page, per_page, "api.audit_log_entries"))


SCHEMAS["AuditEntry"] = {
    "type": "object",
    "required": [
        "id",
        "state",
        "url",
        "seq",
        "at",
        "actor",
        "action",
        "payload_json",
        "prev_hash",
        "hash",
    ],
    "properties": {
        "id": {"type": "integer"},
        "state": {"const": "recorded"},
        "url": {"type": "string"},
        "seq": {"type": "integer"},
        "at": {"type": "string"},
        "actor": {"type": "string"},
        "action": {"type": "string"},
        "payload_json": {"type": "string"},
        "prev_hash": {"type": "string"},
        "hash": {"type": "string"},
    },
}
SCHEMAS["AuditEntryPage"] = page_schema("#/components/schemas/AuditEntry")
describe(
    "/audit/log",
    "The hash-chained audit log, oldest first (auditor token)",
    {"$ref": "#/components/schemas/AuditEntryPage"},
    paged=True,
    errors=("400", "429"),
    security=[{"auditorToken": []}],
)
