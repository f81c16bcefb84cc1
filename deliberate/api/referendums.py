"""Referendums, elections and polls once open; their results once closed."""

import json

from flask import jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from deliberate.api import BadParameter, bp, page_arguments, page_of
from deliberate.api.openapi import SCHEMAS, describe, page_schema
from deliberate.core.errors import NotFoundError
from deliberate.extensions import db
from deliberate.models import Proposal, Referendum, ReferendumState
from deliberate.permissions import public

STATES = [ReferendumState.OPEN.value, ReferendumState.CLOSED.value]


def _when(value) -> str | None:
    return value.isoformat() if value else None


def referendum_item(referendum: Referendum) -> dict:
    """One vote as the API shows it (never a draft)."""
    proposal = None
    if referendum.proposal_id is not None:
        proposal = db.session.scalar(
            select(Proposal.public_id).where(Proposal.id == referendum.proposal_id)
        )
    closed = referendum.state is ReferendumState.CLOSED
    return {
        "id": referendum.public_id,
        "state": referendum.state.value,
        "url": url_for("referendums.detail", public_id=referendum.public_id, _external=True),
        "kind": referendum.kind.value,
        "method": referendum.method.value,
        "question": referendum.question,
        "seats": referendum.seats,
        "options": [{"id": o.slug, "label": o.label} for o in referendum.options],
        "opens_at": _when(referendum.opens_at),
        "closes_at": _when(referendum.closes_at),
        "electorate_size": referendum.electorate_size,
        "electorate_hash": referendum.electorate_hash,
        "definition_digest": referendum.definition_digest,
        "proposal": proposal,
        "results": url_for(
            "api.referendum_results", referendum_id=referendum.public_id, _external=True
        )
        if closed
        else None,
    }


def _visible():
    return select(Referendum).where(Referendum.state != ReferendumState.DRAFT)


def _get(public_id: str) -> Referendum:
    found = db.session.scalar(_visible().where(Referendum.public_id == public_id))
    if found is None:
        raise NotFoundError(_l("There is no such vote."))
    return found


@bp.get("/referendums")
@public
def referendums():
    page, per_page = page_arguments()
    query = _visible()
    state = request.args.get("state")
    if state is not None:
        if state not in STATES:
            raise BadParameter("state", "must be one of " + ", ".join(STATES))
        query = query.where(Referendum.state == ReferendumState(state))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Referendum.opens_at.desc(), Referendum.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [referendum_item(r) for r in rows]
    extra = {"state": state} if state is not None else {}
    return jsonify(page_of(items, total, page, per_page, "api.referendums", **extra))


@bp.get("/referendums/<referendum_id>")
@public
def referendum(referendum_id: str):
    return jsonify(referendum_item(_get(referendum_id)))


@bp.get("/referendums/<referendum_id>/results")
@public
def referendum_results(referendum_id: str):
    found = _get(referendum_id)
    if found.state is not ReferendumState.CLOSED or found.result_json is None:
        raise NotFoundError(_l("Results are published when voting has closed."))
    result = json.loads(found.result_json)
    return jsonify(
        {
            "id": found.public_id,
            "state": found.state.value,
            "url": url_for("referendums.results", public_id=found.public_id, _external=True),
            "method": found.method.value,
            "closed_at": _when(found.closed_at),
            "ballots": result.get("ballots"),
            "participation": result.get("participation"),
            "electorate": result.get("electorate"),
            "turnout": result.get("turnout"),
            "turnout_text": result.get("turnout_text"),
            "verdict": found.verdict,
            "is_passed": result.get("is_passed"),
            "result": result,
        }
    )


_NULLABLE_STRING = {"type": ["string", "null"]}
SCHEMAS["Referendum"] = {
    "type": "object",
    "required": ["id", "state", "url", "kind", "method", "question", "options"],
    "properties": {
        "id": {"type": "string"},
        "state": {"enum": STATES},
        "url": {"type": "string"},
        "kind": {"enum": ["referendum", "election", "poll"]},
        "method": {"type": "string"},
        "question": {"type": "string"},
        "seats": {"type": "integer"},
        "options": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "label"],
                "properties": {"id": {"type": "string"}, "label": {"type": "string"}},
            },
        },
        "opens_at": _NULLABLE_STRING,
        "closes_at": _NULLABLE_STRING,
        "electorate_size": {"type": ["integer", "null"]},
        "electorate_hash": _NULLABLE_STRING,
        "definition_digest": _NULLABLE_STRING,
        "proposal": _NULLABLE_STRING,
        "results": _NULLABLE_STRING,
    },
}
SCHEMAS["ReferendumPage"] = page_schema("#/components/schemas/Referendum")
SCHEMAS["ReferendumResults"] = {
    "type": "object",
    "required": ["id", "state", "url", "method", "turnout", "verdict", "result"],
    "properties": {
        "id": {"type": "string"},
        "state": {"const": "closed"},
        "url": {"type": "string"},
        "method": {"type": "string"},
        "closed_at": _NULLABLE_STRING,
        "ballots": {"type": ["integer", "null"]},
        "participation": {"type": ["integer", "null"]},
        "electorate": {"type": ["integer", "null"]},
        "turnout": {"type": ["string", "null"], "description": "a fraction, e.g. 5/7"},
        "turnout_text": _NULLABLE_STRING,
        "verdict": _NULLABLE_STRING,
        "is_passed": {"type": ["boolean", "null"]},
        "result": {"type": "object"},
    },
}
_ID = [{"name": "referendum_id", "in": "path", "required": True, "schema": {"type": "string"}}]
describe(
    "/referendums",
    "Every vote that has opened, newest first",
    {"$ref": "#/components/schemas/ReferendumPage"},
    parameters=[{"name": "state", "in": "query", "required": False, "schema": {"enum": STATES}}],
    paged=True,
    errors=("400", "429"),
)
describe(
    "/referendums/{referendum_id}",
    "One vote",
    {"$ref": "#/components/schemas/Referendum"},
    parameters=_ID,
    errors=("404", "429"),
)
describe(
    "/referendums/{referendum_id}/results",
    "The counted result, turnout and verdict; 404 until the vote has closed",
    {"$ref": "#/components/schemas/ReferendumResults"},
    parameters=_ID,
    errors=("404", "429"),
)
