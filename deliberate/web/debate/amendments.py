"""Amendments to a proposal's text, and the committee's counter-proposal."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from deliberate.core.errors import DeliberateError, NotFoundError
from deliberate.extensions import db
from deliberate.forms.debate import AmendmentForm, CounterProposalForm, DecisionForm
from deliberate.i18n import error_message
from deliberate.models import Proposal, ProposalState, utcnow
from deliberate.permissions import can_put_counter_proposal, can_take_part, public, requires
from deliberate.services import amendments, debate
from deliberate.web.debate import bp, notice
from deliberate.web.forms_glue import attach_error
from deliberate.web.signed_in import signed_in_member


def _proposal(public_id: str):
    try:
        return debate.proposal_subject(db.session, public_id).proposal
    except NotFoundError:
        abort(404)


def _render(proposal, form: AmendmentForm, decision_form: DecisionForm | None = None):
    items = amendments.amendments_of(db.session, proposal)
    return render_template(
        "debate/amendments.html",
        proposal=proposal,
        items=[(a, amendments.diff(a)) for a in items],
        form=form,
        decision_form=decision_form or DecisionForm(),
        is_proposer=current_user.is_authenticated
        and current_user.id in amendments.proposers(db.session, proposal),
        is_open=proposal.state is ProposalState.DELIBERATION,
        counter=amendments.counter_proposal_of(db.session, proposal),
    )


@bp.get("/proposals/<proposal_id>/amendments")
@public
def amendments_list(proposal_id: str):
    proposal = _proposal(proposal_id)
    form = AmendmentForm(
        data={"title": proposal.title, "summary": proposal.summary, "body": proposal.body}
    )
    return _render(proposal, form)


@bp.post("/proposals/<proposal_id>/amendments")
@requires(can_take_part)
def propose_amendment(proposal_id: str):
    proposal = _proposal(proposal_id)
    form = AmendmentForm()
    if form.validate_on_submit():
        try:
            amendments.propose(
                db.session,
                proposal,
                author=signed_in_member(),
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                reason=form.reason.data,
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "body")
        else:
            flash(
                _("Your amendment is proposed. The proposers will accept or decline it."), "success"
            )
            return redirect(url_for("debate.amendments_list", proposal_id=proposal_id))
    return _render(proposal, form), 422


@bp.post("/debate/amendments/<amendment_id>/decide")
@requires(can_take_part)
def decide_amendment(amendment_id: str):
    try:
        amendment = amendments.get_amendment(db.session, amendment_id)
    except NotFoundError:
        abort(404)
    proposal = db.session.get(Proposal, amendment.proposal_id)
    if current_user.id not in amendments.proposers(db.session, proposal):
        abort(404)  # T34
    form = DecisionForm()
    if form.validate_on_submit():
        path = url_for("debate.amendments_list", proposal_id=proposal.public_id)
        try:
            amendments.decide(
                db.session,
                amendment,
                decider=signed_in_member(),
                accept=form.decision.data == "accept",
                reason=form.reason.data,
                notice=notice(path),
                now=utcnow(),
            )
        except DeliberateError as error:
            flash(error_message(error), "error")
        else:
            flash(_("Decided. The amendment shows your reason."), "success")
        return redirect(path)
    return _render(proposal, AmendmentForm(), form), 422


@bp.route("/proposals/<proposal_id>/counter-proposal", methods=["GET", "POST"])
@requires(can_put_counter_proposal)
def counter_proposal(proposal_id: str):
    proposal = _proposal(proposal_id)
    existing = amendments.counter_proposal_of(db.session, proposal)
    form = CounterProposalForm(
        data={"title": existing.title, "body": existing.body}
        if existing and request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            amendments.put_counter_proposal(
                db.session,
                proposal,
                author=signed_in_member(),
                title=form.title.data,
                body=form.body.data,
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "body")
        else:
            flash(_("The counter-proposal is saved and will stand on the same ballot."), "success")
            return redirect(url_for("debate.amendments_list", proposal_id=proposal_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "debate/counter_proposal.html", proposal=proposal, form=form, existing=existing
    ), status
