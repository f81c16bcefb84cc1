"""The auditor's pages, for the committee and auditors: the index, the log, the bundles.

The audit bundle of a closed vote is built into a temporary file (the zip writer seeks)
and streamed from there, so memory stays constant; each download is recorded in the
audit log by the service. The deployment's public key is published to everyone.
"""

import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_file
from sqlalchemy import select

from deliberate.core.errors import NotFoundError, PhaseError
from deliberate.extensions import db
from deliberate.models import AuditEntry, utcnow
from deliberate.permissions import can_view_audit_log, public, requires
from deliberate.services import audit_bundle, audit_log, signing_key
from deliberate.web.pagination import paginate
from deliberate.web.signed_in import signed_in_member

SPOOL_BYTES = 4 * 1024 * 1024

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/log")
@requires(can_view_audit_log)
def log():
    page = paginate(select(AuditEntry).order_by(AuditEntry.seq.desc()))
    return render_template(
        "audit/log.html",
        page=page,
        broken=audit_log.verify(db.session),
        total=audit_log.entry_count(db.session),
    )


@bp.get("/")
@requires(can_view_audit_log)
def index():
    return render_template("audit/index.html", votes=audit_bundle.closed_votes(db.session))


@bp.get("/referendums/<public_id>/bundle.zip")
@requires(can_view_audit_log)
def bundle(public_id: str):
    key = signing_key.load_or_create(Path(current_app.config["SIGNING_KEY_PATH"]))
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - send_file closes it
    try:
        audit_bundle.export(
            db.session, public_id, spool, signing_key=key, actor=signed_in_member(), now=utcnow()
        )
    except (NotFoundError, PhaseError):
        spool.close()
        abort(404)
    spool.seek(0)
    response = send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"audit-bundle-{public_id}.zip",
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/public-key")
@public
def public_key():
    key = signing_key.load_or_create(Path(current_app.config["SIGNING_KEY_PATH"]))
    return Response(signing_key.public_pem(key), mimetype="text/plain")
