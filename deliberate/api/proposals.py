"""Proposals: every proposal past its draft, with its signature count and thresholds."""

from flask import jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from deliberate.api import BadParameter, bp, page_arguments, page_of
from deliberate.api.openapi import SCHEMAS, describe, page_schema
from deliberate.core.errors import NotFoundError
from deliberate.extensions import db
from deliberate.models import Proposal, ProposalState
from deliberate.permissions import public
from deliberate.services import thresholds

STATES = [s.value for s in ProposalState if s is not ProposalState.DRAFT]


def _thresholds(proposal: Proposal) -> list[dict]:
    status = thresholds.status(db.session, proposal)
    if status is None:
        return []
    return [
        {
            "tier": tier.number,
            "required": tier.required,
            "still_needed": tier.still_needed,
            "is_met": tier.is_met,
            "leads_to_vote": tier.leads_to_vote,
        }
        for tier in status.tiers
    ]


def proposal_item(proposal: Proposal) -> dict:
    """One proposal as the API shows it."""
    closes = proposal.collection_closes_at
    return {
        "id": proposal.public_id,
        "state": proposal.state.value,
        "url": url_for("proposals.detail", ref=proposal.public_id, _external=True),
        "title": proposal.title,
        "summary": proposal.summary,
        "kind": proposal.kind,
        "signature_count": proposal.signature_count,
        "thresholds": _thresholds(proposal),
        "collection_closes_at": closes.isoformat() if closes else None,
        "signatures_csv": url_for(
            "signature_data.signatures_csv", ref=proposal.public_id, _external=True
        ),
    }


@bp.get("/proposals")
@public
def proposals():
    page, per_page = page_arguments()
    query = select(Proposal).where(Proposal.state != ProposalState.DRAFT)
    state = request.args.get("state")
    if state is not None:
        if state not in STATES:
            raise BadParameter("state", "must be one of " + ", ".join(STATES))
        query = query.where(Proposal.state == ProposalState(state))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = [proposal_item(p) for p in rows]
    extra = {"state": state} if state is not None else {}
    return jsonify(page_of(items, total, page, per_page, "api.proposals", **extra))


@bp.get("/proposals/<ref>")
@public
def proposal(ref: str):
    found = db.session.scalar(
        select(Proposal).where(Proposal.public_id == ref, Proposal.state != ProposalState.DRAFT)
    )
    if found is None:
        raise NotFoundError(_l("There is no such proposal."))
    return jsonify(proposal_item(found))


SCHEMAS["Threshold"] = {
    "type": "object",
    "required": ["tier", "required", "still_needed", "is_met", "leads_to_vote"],
    "properties": {
        "tier": {"type": "integer"},
        "required": {"type": "integer", "minimum": 0},
        "still_needed": {"type": "integer", "minimum": 0},
        "is_met": {"type": "boolean"},
        "leads_to_vote": {"type": "boolean"},
    },
}
SCHEMAS["Proposal"] = {
    "type": "object",
    "required": ["id", "state", "url", "title", "kind", "signature_count", "thresholds"],
    "properties": {
        "id": {"type": "string"},
        "state": {"enum": STATES},
        "url": {"type": "string"},
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "kind": {"type": "string"},
        "signature_count": {"type": "integer", "minimum": 0},
        "thresholds": {"type": "array", "items": {"$ref": "#/components/schemas/Threshold"}},
        "collection_closes_at": {"type": ["string", "null"]},
        "signatures_csv": {"type": "string"},
    },
}
SCHEMAS["ProposalPage"] = page_schema("#/components/schemas/Proposal")
describe(
    "/proposals",
    "Every proposal past its draft, newest first, with signature counts and thresholds",
    {"$ref": "#/components/schemas/ProposalPage"},
    parameters=[{"name": "state", "in": "query", "required": False, "schema": {"enum": STATES}}],
    paged=True,
    errors=("400", "429"),
)
describe(
    "/proposals/{ref}",
    "One proposal",
    {"$ref": "#/components/schemas/Proposal"},
    parameters=[{"name": "ref", "in": "path", "required": True, "schema": {"type": "string"}}],
    errors=("404", "429"),
)
