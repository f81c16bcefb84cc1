"""The committee gate: admit a proposal to collect signatures, or reject it with a reason."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from deliberate.core.errors import DeliberateError
from deliberate.extensions import db
from deliberate.forms.proposals import RejectForm
from deliberate.models import utcnow
from deliberate.permissions import can_decide_gate, requires
from deliberate.services import committee_gate
from deliberate.web.forms_glue import attach_error
from deliberate.web.proposals import _base_url, _get, _simple_action, bp, render_detail
from deliberate.web.signed_in import signed_in_member


@bp.post("/proposals/<ref>/admit")
@requires(can_decide_gate)
def admit(ref: str):
    return _simple_action(
        ref,
        committee_gate.admit,
        _("Admitted: signatures are open. The decision is in the audit log."),
        actor=signed_in_member(),
        base_url=_base_url(),
    )


@bp.post("/proposals/<ref>/reject")
@requires(can_decide_gate)
def reject(ref: str):
    proposal = _get(ref)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            committee_gate.reject(
                db.session,
                proposal_id=proposal.id,
                reason=form.reason.data,
                actor=signed_in_member(),
                now=utcnow(),
                base_url=_base_url(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error, "reason")
            return render_detail(proposal, status=error.status, reject_form=form)
        flash(_("Rejected. The reason is shown publicly and is in the audit log."), "success")
        return redirect(url_for(".detail", ref=ref), 303)
    return render_detail(proposal, status=422, reject_form=form)
