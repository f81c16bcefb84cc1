"""The committee's pages: members, statuses, roles, the roll import and the mail queue."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from deliberate.core.errors import DeliberateError
from deliberate.extensions import db
from deliberate.forms.admin import (
    ROLL_MAX_CHARS,
    RoleForm,
    RollApplyForm,
    RollUploadForm,
    StatusForm,
)
from deliberate.i18n import error_message, number
from deliberate.models import MembershipStatus, OutboxMessage, Role, StatusChange, utcnow
from deliberate.permissions import can_manage_members, requires, requires_fresh_login
from deliberate.services import membership, roll_import
from deliberate.web.forms_glue import attach_error
from deliberate.web.pagination import paginate
from deliberate.web.signed_in import signed_in_member

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/members")
@requires(can_manage_members)
def members():
    query = (request.args.get("q") or "").strip()[:100]
    page = paginate(membership.list_members(db.session, query=query))
    return render_template("admin/members.html", page=page, query=query)


@bp.get("/members/<public_id>")
@requires(can_manage_members)
def member(public_id: str):
    member = membership.get_member(db.session, public_id)
    history = (
        db.session.execute(
            select(StatusChange)
            .where(StatusChange.member_id == member.id)
            .order_by(StatusChange.changed_at.desc())
        )
        .scalars()
        .all()
    )
    status_form = StatusForm(effective_on=date.today())
    return render_template(
        "admin/member.html",
        member=member,
        history=history,
        status_form=status_form,
        role_form=RoleForm(),
    )


@bp.post("/members/<public_id>/status")
@requires(can_manage_members)
@requires_fresh_login(then="admin.member")
def change_status(public_id: str):
    form = StatusForm()
    if form.validate_on_submit():
        try:
            membership.change_status(
                db.session,
                member_public_id=public_id,
                new_status=MembershipStatus(form.status.data),
                reason=form.reason.data,
                effective_on=form.effective_on.data,
                actor=signed_in_member(),
                now=utcnow(),
                # The status the page showed: a change from a stale page is refused (T11).
                seen_status=MembershipStatus(seen) if (seen := form.seen_status.data) else None,
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error, "reason")
            status = error.status
        else:
            flash(_("The status is changed and recorded in the audit log."), "success")
            return redirect(url_for("admin.member", public_id=public_id))
    else:
        status = 422
    member = membership.get_member(db.session, public_id)
    return render_template(
        "admin/member.html", member=member, history=[], status_form=form, role_form=RoleForm()
    ), status


@bp.post("/members/<public_id>/roles")
@requires(can_manage_members)
@requires_fresh_login(then="admin.member")
def change_role(public_id: str):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    change = membership.grant_role if form.action.data == "grant" else membership.revoke_role
    try:
        change(
            db.session,
            member_public_id=public_id,
            role=Role(form.role.data),
            actor=signed_in_member(),
            now=utcnow(),
        )
    except DeliberateError as error:
        flash(error_message(error), "error")
    else:
        flash(_("The roles are updated and recorded in the audit log."), "success")
    return redirect(url_for("admin.member", public_id=public_id))


@bp.route("/roll", methods=["GET", "POST"])
@requires(can_manage_members)
def roll():
    form = RollUploadForm()
    if form.validate_on_submit():
        text = _uploaded_text(form)
        if text is None:
            form.roll_file.errors = [_("The file is not UTF-8 text. Save it as CSV (UTF-8).")]
        elif not text.strip():
            form.roll_text.errors = [_("Choose a CSV file or paste its contents.")]
        elif len(text) > ROLL_MAX_CHARS:
            form.roll_file.errors = [
                _(
                    "The roll is too long to import at once: at most %(n)s characters. "
                    "Split it into several files; nothing was changed.",
                    n=number(ROLL_MAX_CHARS),
                )
            ]
        else:
            preview = roll_import.preview(db.session, text, now=utcnow())
            return render_template(
                "admin/roll_preview.html", preview=preview, apply_form=RollApplyForm(roll_text=text)
            )
    status = 422 if request.method == "POST" else 200
    return render_template("admin/roll.html", form=form), status


def _uploaded_text(form: RollUploadForm) -> str | None:
    upload = form.roll_file.data
    if upload and getattr(upload, "filename", ""):
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    return form.roll_text.data or ""


@bp.post("/roll/apply")
@requires(can_manage_members)
@requires_fresh_login(then="admin.roll")
def roll_apply():
    form = RollApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        result = roll_import.apply(
            db.session, form.roll_text.data, actor=signed_in_member(), now=utcnow()
        )
    except DeliberateError as error:
        flash(error_message(error), "error")
        return redirect(url_for("admin.roll"))
    flash(
        _(
            "Roll imported: %(added)d added, %(updated)d updated, %(unchanged)d unchanged.",
            added=len(result.added),
            updated=len(result.updated),
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("admin.members"))


@bp.get("/outbox")
@requires(can_manage_members)
def outbox():
    page = paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    return render_template("admin/outbox.html", page=page)
