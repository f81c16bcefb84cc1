"""Signature data per proposal, as CSV and JSON: counts by local group and day, public names."""

from flask import Blueprint, Response, jsonify

from deliberate.extensions import db
from deliberate.permissions import public
from deliberate.services import proposals, signature_data

bp = Blueprint("signature_data", __name__)


def _summary(ref: str) -> dict:
    proposal = proposals.get_by_ref(db.session, ref)  # drafts are 404 here for everyone
    return signature_data.data(db.session, proposal)


@bp.get("/proposals/<ref>/signatures.json")
@public
def signatures_json(ref: str):
    return jsonify(_summary(ref))


@bp.get("/proposals/<ref>/signatures.csv")
@public
def signatures_csv(ref: str):
    response = Response(signature_data.as_csv(_summary(ref)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="signatures-{ref}.csv"'
    return response
