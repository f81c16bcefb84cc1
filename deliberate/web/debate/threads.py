"""Reading and writing a discussion: the thread, posts, replies, edits, endorsements, flags."""

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from deliberate.core.debate import HOUSE_RULES
from deliberate.core.errors import DeliberateError, NotFoundError
from deliberate.extensions import db
from deliberate.forms.debate import ContributionForm, FlagForm
from deliberate.i18n import error_message
from deliberate.models import Stance, utcnow
from deliberate.permissions import can_take_part, public, requires
from deliberate.services import debate, debate_case, debate_threads
from deliberate.web.debate import (
    bp,
    load_contribution,
    notice,
    page_argument,
    posting_limit,
    thread_url,
)
from deliberate.web.forms_glue import attach_error
from deliberate.web.signed_in import signed_in_member


def _proposal(public_id: str) -> debate.Subject:
    try:
        return debate.proposal_subject(db.session, public_id)
    except NotFoundError:
        abort(404)


def _referendum(public_id: str) -> debate.Subject:
    try:
        return debate.referendum_subject(db.session, public_id)
    except NotFoundError:
        abort(404)


def _render_thread(subject: debate.Subject, form: ContributionForm, status: int = 200):
    sort = request.args.get("sort", "endorsed")
    if sort not in debate_threads.SORTS:
        abort(400)
    viewer = current_user.id if current_user.is_authenticated else None
    try:
        page = debate_threads.thread(
            db.session, subject.discussion, sort=sort, page=page_argument(), viewer_id=viewer
        )
    except NotFoundError:
        abort(404)
    case = (
        debate_case.case_for_and_against(db.session, subject.discussion.id)
        if subject.discussion
        else None
    )
    return render_template(
        "debate/thread.html", subject=subject, page=page, sort=sort, form=form, case=case
    ), status


def _post(subject: debate.Subject, parent=None):
    form = ContributionForm()
    if form.validate_on_submit():
        try:
            contribution = debate.post(
                db.session,
                subject,
                author=signed_in_member(),
                body=form.body.data,
                stance=Stance(form.stance.data),
                parent=parent,
                notice=notice(thread_url(subject)),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "body")
        else:
            flash(_("Your contribution is posted."), "success")
            return redirect(thread_url(subject, contribution.public_id))
    if parent is not None:
        return render_template("debate/reply.html", subject=subject, parent=parent, form=form), 422
    return _render_thread(subject, form, 422)


@bp.get("/proposals/<proposal_id>/discussion")
@public
def proposal_thread(proposal_id: str):
    return _render_thread(_proposal(proposal_id), ContributionForm())


@bp.post("/proposals/<proposal_id>/discussion")
@requires(can_take_part)
@posting_limit
def post_proposal(proposal_id: str):
    return _post(_proposal(proposal_id))


@bp.get("/referendums/<referendum_id>/discussion")
@public
def referendum_thread(referendum_id: str):
    return _render_thread(_referendum(referendum_id), ContributionForm())


@bp.post("/referendums/<referendum_id>/discussion")
@requires(can_take_part)
@posting_limit
def post_referendum(referendum_id: str):
    return _post(_referendum(referendum_id))


@bp.route("/debate/contributions/<contribution_id>/reply", methods=["GET", "POST"])
@requires(can_take_part)
@posting_limit
def reply(contribution_id: str):
    parent, subject = load_contribution(contribution_id)
    if request.method == "POST":
        return _post(subject, parent)
    form = ContributionForm()
    return render_template("debate/reply.html", subject=subject, parent=parent, form=form)


@bp.route("/debate/contributions/<contribution_id>/edit", methods=["GET", "POST"])
@requires(can_take_part)
@posting_limit
def edit(contribution_id: str):
    contribution, subject = load_contribution(contribution_id)
    if contribution.author_id != current_user.id:
        abort(404)  # T34: someone else's post looks like no post at all
    form = ContributionForm(
        data={"body": contribution.body_markdown, "stance": contribution.stance.value}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            debate.edit(
                db.session,
                contribution,
                editor=signed_in_member(),
                body=form.body.data,
                stance=Stance(form.stance.data),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "body")
        else:
            flash(
                _("Your contribution is updated; the earlier text stays in its history."), "success"
            )
            return redirect(thread_url(subject, contribution.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "debate/edit.html", subject=subject, contribution=contribution, form=form
    ), status


@bp.get("/debate/contributions/<contribution_id>/history")
@public
def history(contribution_id: str):
    contribution, subject = load_contribution(contribution_id)
    return render_template(
        "debate/history.html",
        subject=subject,
        contribution=contribution,
        revisions=debate_threads.revisions(db.session, contribution),
    )


@bp.post("/debate/contributions/<contribution_id>/endorse")
@requires(can_take_part)
def endorse(contribution_id: str):
    contribution, subject = load_contribution(contribution_id)
    try:
        debate.endorse(db.session, contribution, member=signed_in_member(), now=utcnow())
    except DeliberateError as error:
        flash(error_message(error), "error")
    else:
        flash(_("Endorsed."), "success")
    return redirect(thread_url(subject, contribution_id))


@bp.route("/debate/contributions/<contribution_id>/flag", methods=["GET", "POST"])
@requires(can_take_part)
def flag(contribution_id: str):
    contribution, subject = load_contribution(contribution_id)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            debate.flag(
                db.session,
                contribution,
                member=signed_in_member(),
                reason=form.reason.data,
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "reason")
        else:
            flash(_("Thank you. The moderators will look at it."), "success")
            return redirect(thread_url(subject, contribution_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "debate/flag.html", subject=subject, contribution=contribution, form=form
    ), status


@bp.get("/debate/rules")
@public
def house_rules():
    return render_template("debate/rules.html", rules=HOUSE_RULES)
