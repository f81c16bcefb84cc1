"""The committee's view of signature bursts, held signatures, and invalidation by condition.

Invalidation runs in confirmed batches (``SIGNATURE_INVALIDATION_BATCH``): after each,
the page previews what still matches, and the committee applies the next batch or
stops. A batch made by mistake is restored from the list of recent ones.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from deliberate.core.errors import DeliberateError, ValidationError
from deliberate.extensions import db
from deliberate.forms.proposals import HeldSignaturesForm, InvalidateForm, RestoreForm
from deliberate.labels import label
from deliberate.models import utcnow
from deliberate.permissions import can_review_signatures, requires
from deliberate.services import (
    proposals,
    signature_checks,
    signature_invalidations,
    signature_quarantine,
    threshold_reversal,
)
from deliberate.web.forms_glue import attach_error
from deliberate.web.signed_in import signed_in_member

bp = Blueprint("signatures", __name__, url_prefix="/admin/signatures")
RESTORE = "restore"  # the restore form's prefix: the page has other forms with a reason


def _held_form(form: HeldSignaturesForm | None = None):
    """The held signatures, and the form whose choices are exactly those still held."""
    held = signature_quarantine.held(db.session)
    form = form or HeldSignaturesForm(formdata=None)
    form.signature.choices = [(h.id, str(h.id)) for h in held]
    return held, form


def _restore_form(form: RestoreForm | None = None):
    """The recent batches, and the form whose choices are those still striking some out."""
    past = signature_invalidations.recent_invalidations(db.session)
    form = form or RestoreForm(formdata=None, prefix=RESTORE)
    form.invalidation.choices = [(p.seq, str(p.seq)) for p in past if p.still_struck_out]
    return past, form


def _render(
    form: InvalidateForm,
    *,
    status: int = 200,
    preview: int | None = None,
    effects: list | None = None,
    held_form: HeldSignaturesForm | None = None,
    batch_done: int | None = None,
    restore_form: RestoreForm | None = None,
):
    by_ip, by_domain = signature_checks.bursts(db.session, now=utcnow())
    held, held_form = _held_form(held_form)
    invalidations, restore_form = _restore_form(restore_form)
    page = render_template(
        "proposals/signatures.html",
        form=form,
        by_ip=by_ip,
        by_domain=by_domain,
        preview=preview,
        effects=effects or [],
        batch_done=batch_done,
        held=held,
        held_form=held_form,
        invalidations=invalidations,
        restore_form=restore_form,
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
            return _render(
                form,
                preview=signature_checks.preview(db.session, condition),
                effects=signature_checks.preview_effects(db.session, condition, now=utcnow()),
            )
        if form.expected.data is None:
            raise ValidationError(_("Preview the condition first."), field="value")
        result = signature_checks.invalidate(
            db.session,
            condition=condition,
            reason=form.reason.data,
            expected=form.expected.data,
            actor=signed_in_member(),
            now=utcnow(),
            batch_size=current_app.config["SIGNATURE_INVALIDATION_BATCH"],
            base_url=current_app.config["BASE_URL"],
        )
    except DeliberateError as error:
        db.session.rollback()
        attach_error(form, error, "value")
        return _render(form, status=error.status)
    for lost in result.tiers_no_longer_met:
        flash(_("No longer met with the remaining signatures: %(t)s", t=lost), "error")
    for reversal in result.reversals:
        _flash_reversal(reversal)
    if result.remaining:  # the next batch: the same condition, expecting what is left
        effects = signature_checks.preview_effects(db.session, condition, now=utcnow())
        return _render(form, preview=result.remaining, effects=effects, batch_done=result.count)
    flash(
        _(
            "%(n)d signatures invalidated; counts rebuilt and recorded in the audit log.",
            n=result.count,
        ),
        "success",
    )
    return redirect(url_for(".review"), 303)


def _flash_reversal(reversal: threshold_reversal.Reversal) -> None:
    """Say what the rules did with a proposal whose reached tier is no longer met."""
    if reversal.step is not None:
        flash(
            _(
                "%(p)s no longer qualifies and is now at the stage “%(state)s”.",
                p=reversal.proposal,
                state=label(reversal.step),
            ),
            "error",
        )
    elif reversal.unmet:
        flash(
            _("%(p)s: voting has opened, so the vote stands.", p=reversal.proposal),
            "error",
        )


@bp.post("/restore")
@requires(can_review_signatures)
def restore():
    """Count again the signatures of one invalidation batch (T33)."""
    _past, form = _restore_form(RestoreForm(prefix=RESTORE))
    if not form.validate_on_submit():
        return _render(InvalidateForm(formdata=None), status=422, restore_form=form)
    try:
        result = signature_invalidations.restore(
            db.session,
            seq=form.invalidation.data,
            reason=form.reason.data,
            actor=signed_in_member(),
            now=utcnow(),
            base_url=current_app.config["BASE_URL"],
        )
    except DeliberateError as error:
        db.session.rollback()
        attach_error(form, error, "reason")
        return _render(InvalidateForm(formdata=None), status=error.status, restore_form=form)
    flash(
        _(
            "%(n)d signatures restored and counted again; recorded in the audit log.",
            n=result.count,
        ),
        "success",
    )
    for crossed in result.tiers_crossed:
        flash(_("Threshold reached: %(t)s", t=crossed), "success")
    _flash_revived(result.revived)
    return redirect(url_for(".review"), 303)


@bp.post("/held")
@requires(can_review_signatures)
def decide_held():
    """Release the ticked held signatures into the count, or reject them."""
    _held, form = _held_form(HeldSignaturesForm())
    if not form.validate_on_submit():
        return _render(InvalidateForm(formdata=None), status=422, held_form=form)
    try:
        if form.decision.data == "release":
            result = signature_quarantine.release(
                db.session,
                signature_ids=form.signature.data,
                reason=form.reason.data,
                actor=signed_in_member(),
                now=utcnow(),
                base_url=current_app.config["BASE_URL"],
            )
            message = _("%(n)d held signatures released and counted.", n=result.count)
        else:
            result = signature_quarantine.reject(
                db.session,
                signature_ids=form.signature.data,
                reason=form.reason.data,
                actor=signed_in_member(),
                now=utcnow(),
            )
            message = _("%(n)d held signatures rejected; they are not counted.", n=result.count)
    except DeliberateError as error:
        db.session.rollback()
        attach_error(form, error, "reason")
        return _render(InvalidateForm(formdata=None), status=error.status, held_form=form)
    flash(message + " " + _("Recorded in the audit log."), "success")
    for crossed in result.crossed:
        flash(_("Threshold reached: %(t)s", t=crossed), "success")
    _flash_revived(result.revived)
    return redirect(url_for(".review"), 303)


def _flash_revived(refs) -> None:
    for ref in refs:
        flash(
            _(
                "%(ref)s had lapsed; with these signatures it meets its threshold, "
                "so it qualifies again.",
                ref=ref,
            ),
            "success",
        )
