"""Moderation pages: the public log, the queue, one contribution's case, appeals."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from deliberate.core.errors import DeliberateError, NotFoundError
from deliberate.extensions import db
from deliberate.forms.debate import AppealDecisionForm, AppealForm, HideForm, ReasonForm
from deliberate.models import utcnow
from deliberate.permissions import can_moderate, can_see_hidden, can_take_part, public, requires
from deliberate.services import moderation
from deliberate.web.debate import bp, load_contribution, notice, thread_url
from deliberate.web.forms_glue import attach_error
from deliberate.web.pagination import paginate
from deliberate.web.signed_in import signed_in_member


@bp.get("/moderation")
@public
def moderation_log():
    page = paginate(moderation.log_statement())
    return render_template("debate/moderation_log.html", page=page)


@bp.get("/moderation/queue")
@requires(can_see_hidden)
def queue():
    items, appeals = moderation.queue(db.session)
    return render_template("debate/queue.html", items=items, appeals=appeals)


def _render_case(contribution, subject, *, hide_form=None, reason_form=None, decision_form=None):
    appeal = moderation.appeal_of(db.session, contribution)
    return render_template(
        "debate/moderate.html",
        contribution=contribution,
        subject=subject,
        flags=moderation.flags_of(db.session, contribution),
        actions=moderation.actions_on(db.session, contribution),
        appeal=appeal,
        hide_form=hide_form or HideForm(),
        reason_form=reason_form or ReasonForm(prefix="r"),
        decision_form=decision_form or AppealDecisionForm(),
    )


@bp.get("/moderation/contributions/<contribution_id>")
@requires(can_see_hidden)
def moderate(contribution_id: str):
    contribution, subject = load_contribution(contribution_id)
    return _render_case(contribution, subject)


@bp.post("/moderation/contributions/<contribution_id>/hide")
@requires(can_moderate)
def hide(contribution_id: str):
    contribution, subject = load_contribution(contribution_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            moderation.hide(
                db.session,
                contribution,
                moderator=signed_in_member(),
                rule=form.rule.data,
                reason=form.reason.data,
                title=subject.title,
                notice=notice(url_for("debate.appeal", contribution_id=contribution_id)),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "reason")
        else:
            flash(_("Hidden. The notice and the moderation log show your reason."), "success")
            return redirect(url_for("debate.moderate", contribution_id=contribution_id))
    return _render_case(contribution, subject, hide_form=form), 422


def _reasoned(contribution_id: str, action):
    contribution, subject = load_contribution(contribution_id)
    form = ReasonForm(prefix="r")
    if form.validate_on_submit():
        try:
            action(
                db.session,
                contribution,
                moderator=signed_in_member(),
                reason=form.reason.data,
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "reason")
        else:
            flash(_("Done, and listed in the public moderation log."), "success")
            return redirect(url_for("debate.moderate", contribution_id=contribution_id))
    return _render_case(contribution, subject, reason_form=form), 422


@bp.post("/moderation/contributions/<contribution_id>/unhide")
@requires(can_moderate)
def unhide(contribution_id: str):
    return _reasoned(contribution_id, moderation.unhide)


@bp.post("/moderation/contributions/<contribution_id>/dismiss")
@requires(can_moderate)
def dismiss(contribution_id: str):
    return _reasoned(contribution_id, moderation.dismiss_flags)


@bp.route("/debate/contributions/<contribution_id>/appeal", methods=["GET", "POST"])
@requires(can_take_part)
def appeal(contribution_id: str):
    contribution, subject = load_contribution(contribution_id)
    if contribution.author_id != current_user.id:
        abort(404)  # T34
    existing = moderation.appeal_of(db.session, contribution)
    form = AppealForm()
    if existing is None and form.validate_on_submit():
        try:
            moderation.appeal(
                db.session,
                contribution,
                author=signed_in_member(),
                statement=form.statement.data,
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "statement")
        else:
            flash(_("Your appeal is lodged. A different moderator will decide it."), "success")
            return redirect(url_for("debate.appeal", contribution_id=contribution_id))
    elif existing is not None and request.method == "POST":
        form.statement.errors = [_("You have already appealed; a hiding may be appealed once.")]
    status = 422 if request.method == "POST" else 200
    return render_template(
        "debate/appeal.html",
        contribution=contribution,
        subject=subject,
        appeal=existing,
        form=form,
        thread=thread_url(subject, contribution_id),
    ), status


@bp.post("/moderation/appeals/<appeal_id>/decide")
@requires(can_moderate)
def decide_appeal(appeal_id: str):
    try:
        entry = moderation.get_appeal(db.session, appeal_id)
    except NotFoundError:
        abort(404)
    contribution, subject = load_contribution(entry.contribution.public_id)
    form = AppealDecisionForm()
    if form.validate_on_submit():
        try:
            moderation.decide_appeal(
                db.session,
                entry,
                moderator=signed_in_member(),
                upheld=form.decision.data == "uphold",
                reason=form.reason.data,
                title=subject.title,
                notice=notice(thread_url(subject, contribution.public_id)),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "reason")
        else:
            flash(_("The appeal is decided and listed in the moderation log."), "success")
            return redirect(url_for("debate.moderate", contribution_id=contribution.public_id))
    return _render_case(contribution, subject, decision_form=form), 422
