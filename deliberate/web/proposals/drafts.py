"""Drafting a proposal: write and edit it, invite co-sponsors, register or withdraw it."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from deliberate.core.errors import DeliberateError, NotFoundError
from deliberate.extensions import db, limiter
from deliberate.forms.proposals import EmptyForm, InviteForm, ProposalForm
from deliberate.i18n import error_message
from deliberate.models import utcnow
from deliberate.permissions import can_propose, requires
from deliberate.services import drafting, groups, proposals, rulebook
from deliberate.web.forms_glue import attach_error
from deliberate.web.proposals import (
    _base_url,
    _get,
    _simple_action,
    _viewer_id,
    bp,
    render_detail,
)
from deliberate.web.signed_in import signed_in_member


def _propose_limit() -> str:
    return current_app.config["RATELIMIT_PROPOSE"]


def _member_key() -> str:
    return f"member:{_viewer_id()}"


def _proposal_form(form: ProposalForm) -> ProposalForm:
    book = rulebook.current_rulebook(db.session)
    form.kind.choices = [(kind, rules.name) for kind, rules in book.rulesets.items()]
    form.local_group.choices = [(0, _("— every local group —"))] + groups.choices(db.session)
    return form


@bp.route("/proposals/new", methods=["GET", "POST"])
@requires(can_propose)
@limiter.limit(_propose_limit, methods=["POST"], key_func=_member_key)
def new():
    form = _proposal_form(ProposalForm())
    if form.validate_on_submit():
        try:
            proposal = drafting.create_draft(
                db.session,
                author=signed_in_member(),
                kind=form.kind.data,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                local_group_id=form.local_group.data or None,
                now=utcnow(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Your draft is saved. Only you can see it until you register it."), "success")
            return redirect(url_for(".detail", ref=proposal.public_id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/new.html", form=form), status


def _author_only(proposal) -> None:
    if proposal.author_id != current_user.id:
        raise NotFoundError(_("Only the proposal's author can do that."))


@bp.route("/proposals/<ref>/edit", methods=["GET", "POST"])
@requires(can_propose)
def edit(ref: str):
    proposal = _get(ref)
    _author_only(proposal)
    form = _proposal_form(ProposalForm(obj=proposal))
    if request.method == "GET":
        form.local_group.data = proposal.local_group_id or 0
    form.kind.data = proposal.kind
    if form.validate_on_submit():
        try:
            drafting.edit(
                db.session,
                proposal_id=proposal.id,
                author_id=current_user.id,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                local_group_id=form.local_group.data or None,
                now=utcnow(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Saved as version %(n)d.", n=proposal.text_version), "success")
            return redirect(url_for(".detail", ref=ref), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/edit.html", form=form, proposal=proposal), status


@bp.post("/proposals/<ref>/register")
@requires(can_propose)
def register(ref: str):
    return _simple_action(
        ref,
        drafting.register,
        _("Registered. The rules in force now are frozen for this proposal."),
        author_id=current_user.id,
        base_url=_base_url(),
    )


@bp.post("/proposals/<ref>/withdraw")
@requires(can_propose)
def withdraw(ref: str):
    return _simple_action(
        ref,
        proposals.withdraw,
        _("The proposal is withdrawn."),
        author_id=current_user.id,
        base_url=_base_url(),
    )


@bp.post("/proposals/<ref>/invite")
@requires(can_propose)
def invite(ref: str):
    proposal = _get(ref)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            count = drafting.invite(
                db.session,
                proposal_id=proposal.id,
                author_id=current_user.id,
                emails=form.emails.data,
                now=utcnow(),
                base_url=_base_url(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error, "emails")
            return render_detail(proposal, status=error.status, invite_form=form)
        flash(_("Invitations sent to the members among %(n)d address(es).", n=count), "success")
        return redirect(url_for(".detail", ref=ref), 303)
    return render_detail(proposal, status=422, invite_form=form)


@bp.route("/proposals/<ref>/cosponsor/<token>", methods=["GET", "POST"])
@requires(can_propose)
def cosponsor(ref: str, token: str):
    proposal = _get(ref)
    drafting.check_invitation(proposal, token)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            drafting.cosponsor(
                db.session,
                proposal_id=proposal.id,
                token=token,
                member_id=current_user.id,
                now=utcnow(),
                base_url=_base_url(),
            )
        except DeliberateError as error:
            db.session.rollback()
            form.form_errors.append(error_message(error))
            page = render_template("proposals/cosponsor.html", proposal=proposal, form=form)
            return page, error.status
        flash(_("Thank you: you co-sponsor this proposal."), "success")
        return redirect(url_for(".detail", ref=ref), 303)
    return render_template("proposals/cosponsor.html", proposal=proposal, form=form)
