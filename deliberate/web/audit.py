"""The audit log, for the committee and auditors."""

from flask import Blueprint, render_template
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import AuditEntry
from deliberate.permissions import can_view_audit_log, requires
from deliberate.services import audit_log
from deliberate.web.pagination import paginate

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
