"""Notifications in the app, and each member's choice of what to receive."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from deliberate.extensions import db
from deliberate.models import utcnow
from deliberate.permissions import is_signed_in, requires
from deliberate.services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_notifications():
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": notifications.unread_count(db.session, current_user.id)}


@bp.get("")
@requires(is_signed_in)
def index():
    items = notifications.recent(db.session, current_user.id)
    return render_template("notifications/index.html", items=items, form=FlaskForm())


@bp.post("/read")
@requires(is_signed_in)
def read():
    if FlaskForm().validate_on_submit():
        notifications.mark_all_read(db.session, member_id=current_user.id, now=utcnow())
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".index"), 303)


@bp.route("/settings", methods=["GET", "POST"])
@requires(is_signed_in)
def settings():
    form = FlaskForm()
    if form.validate_on_submit():
        choices = {
            key: (f"{key}:app" in request.form, f"{key}:email" in request.form)
            for key in notifications.KINDS
        }
        notifications.save_preferences(db.session, member_id=current_user.id, choices=choices)
        flash(_("Your notification choices are saved."), "success")
        return redirect(url_for(".settings"), 303)
    return render_template(
        "notifications/settings.html",
        form=form,
        kinds=notifications.KINDS,
        chosen=notifications.preferences(db.session, current_user.id),
    )
