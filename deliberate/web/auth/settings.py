"""A signed-in member's own settings: profile, password, email, two-factor, API tokens."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from deliberate.core.errors import DeliberateError
from deliberate.extensions import db
from deliberate.forms.auth import (
    ApiTokenForm,
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    DisableTwoFactorForm,
    ProfileForm,
    TwoFactorCodeForm,
)
from deliberate.i18n import use_member_language
from deliberate.models import utcnow
from deliberate.permissions import is_auditor, is_signed_in, public, requires
from deliberate.services import accounts
from deliberate.services import api_tokens as api_token_service
from deliberate.services import two_factor as two_factor_service
from deliberate.web.auth import _sign_in, account_link_limit, account_mail, bp
from deliberate.web.forms_glue import attach_error
from deliberate.web.signed_in import signed_in_member


@bp.route("/account", methods=["GET", "POST"])
@requires(is_signed_in)
def account():
    member = signed_in_member()
    form = ProfileForm(obj=member if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                db.session,
                member,
                display_name=form.display_name.data,
                language=form.language.data,
            )
        except DeliberateError as error:
            attach_error(form, error, "display_name")
        else:
            use_member_language(form.language.data)
            flash(_("Your settings are saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, member=member)


@bp.route("/account/password", methods=["GET", "POST"])
@requires(is_signed_in)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        member = signed_in_member()
        try:
            accounts.change_password(
                db.session,
                member,
                form.current_password.data,
                form.password.data,
                mailer=account_mail(),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "current_password")
        else:
            _sign_in(member, remember=False)
            flash(_("Your password is changed; other devices were signed out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@requires(is_signed_in)
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            accounts.request_email_change(
                db.session,
                signed_in_member(),
                form.new_email.data,
                form.password.data,
                mailer=account_mail(),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "password")
        else:
            flash(
                _(
                    "We sent a confirmation link to the new address. Your current address "
                    "stays until you open it."
                ),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/email/<token>", methods=["GET", "POST"])
@public
@account_link_limit
def confirm_email(token: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.confirm_email_change(db.session, token, mailer=account_mail(), now=utcnow())
        flash(_("Your email address is changed."), "success")
        return redirect(url_for("main.home"))
    return render_template(
        "auth/confirm_link.html",
        form=form,
        title=_("Confirm your new email address"),
        button=_("Use this address"),
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@requires(is_signed_in)
def two_factor():
    member = signed_in_member()
    form, disable_form = TwoFactorCodeForm(), DisableTwoFactorForm()
    action = request.form.get("action")
    if request.method == "POST" and action == "start":
        if ConfirmForm().validate_on_submit():
            two_factor_service.begin_enrolment(db.session, member)
        return redirect(url_for("auth.two_factor"))
    if action == "confirm" and form.validate_on_submit():
        try:
            two_factor_service.confirm_enrolment(db.session, member, form.code.data, now=utcnow())
        except DeliberateError as error:
            attach_error(form, error, "code")
        else:
            flash(_("Two-factor sign-in is on."), "success")
            return redirect(url_for("auth.account"))
    if action == "disable" and disable_form.validate_on_submit():
        try:
            two_factor_service.disable(db.session, member, disable_form.password.data, now=utcnow())
        except DeliberateError as error:
            attach_error(disable_form, error, "password")
        else:
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("auth.account"))
    enrolling = member.totp_secret and not member.has_two_factor
    uri = (
        two_factor_service.provisioning_uri(member, current_app.config["ORG_NAME"])
        if enrolling
        else None
    )
    # The SVG is markup we generate from the secret; no user text is in it.
    qr = Markup(two_factor_service.qr_svg(uri)) if uri else None
    return render_template(
        "auth/two_factor.html",
        form=form,
        disable_form=disable_form,
        start_form=ConfirmForm(),
        uri=uri,
        qr=qr,
        member=member,
    )


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@requires(is_auditor)
def api_tokens():
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = api_token_service.create(
                db.session, signed_in_member(), form.name.data, now=utcnow()
            )
        except DeliberateError as error:
            attach_error(form, error, "name")
    page = render_template(
        "auth/api_tokens.html",
        form=form,
        new_token=new_token,
        revoke_form=ConfirmForm(),
        tokens=api_token_service.tokens_of(db.session, signed_in_member()),
    )
    return page, 200, {"Cache-Control": "no-store"}


@bp.post("/account/api-tokens/<int(min=1, max=2147483647):token_id>/revoke")
@requires(is_auditor)
def revoke_api_token(token_id: int):
    if ConfirmForm().validate_on_submit():
        api_token_service.revoke(db.session, signed_in_member(), token_id, now=utcnow())
        flash(_("The token is revoked; it no longer works."), "success")
    return redirect(url_for("auth.api_tokens"))
