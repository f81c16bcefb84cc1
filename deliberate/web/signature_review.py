"""The committee's view of signature bursts, and invalidation by a stated condition."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from deliberate.core.errors import DeliberateError, ValidationError
from deliberate.extensions import db
from deliberate.forms.proposals import InvalidateForm
from deliberate.models import utcnow
from deliberate.permissions import can_review_signatures, requires
from deliberate.services import proposals, signature_checks
from deliberate.web.forms_glue import attach_error

bp = Blueprint("signatures", __name__, url_prefix="/admin/signatures")


def _render(form: InvalidateForm, *, status: int = 200, preview: int | None = None):
    by_ip, by_domain = signature_checks.bursts(db.session, now=utcnow())
    page = render_template(
        "proposals/signatures.html",
        form=form,
        by_ip=by_ip,
        by_domain=by_domain,
        preview=preview,
    )
    return page, status


def _condition(form: InvalidateForm) -> signature_checks.Condition:
    proposal_id = None
    if form.proposal.data:
        proposal = proposals.get_by_ref(db.session, form.proposal.data.strip())
        proposal_id = proposal.id
    return signature_checks.Condition(form.field.data, form.value.data, proposal_id)


@bp.route("", methods=["GET", "POST"])
@requires(can_review_signatures)
def review():
    form = InvalidateForm()
    if not form.validate_on_submit():
        return _render(form, status=422 if form.is_submitted() else 200)
    try:
        condition = _condition(form)
        if form.action.data != "apply":
            return _render(form, preview=signature_checks.preview(db.session, condition))
        if form.expected.data is None:
            raise ValidationError(_("Preview the condition first."), field="value")
        result = signature_checks.invalidate(
            db.session,
            condition=condition,
            reason=form.reason.data,
            expected=form.expected.data,
            actor=current_user,
            now=utcnow(),
        )
    except DeliberateError as error:
        db.session.rollback()
        attach_error(form, error, "value")
        return _render(form, status=error.status)
    flash(
        _(
            "%(n)d signatures invalidated; counts rebuilt and recorded in the audit log.",
            n=result.count,
        ),
        "success",
    )
    for lost in result.tiers_no_longer_met:
        flash(_("No longer met with the remaining signatures: %(t)s", t=lost), "error")
    return redirect(url_for(".review"), 303)
