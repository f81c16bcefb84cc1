"""Accounts: register, confirm email, sign in and out, reset and change password or email."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from deliberate.core.errors import DeliberateError
from deliberate.extensions import db, limiter
from deliberate.forms.auth import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    EmailOnlyForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
    RegisterForm,
)
from deliberate.models import utcnow
from deliberate.permissions import is_signed_in, public, requires
from deliberate.services import accounts, groups
from deliberate.web.forms_glue import attach_error, safe_next

bp = Blueprint("auth", __name__)

_LINK_ENDPOINTS = {"verify": "auth.verify", "reset": "auth.reset", "email": "auth.confirm_email"}


def account_mail() -> accounts.AccountMail:
    """Org name and absolute links for account emails, built from BASE_URL."""
    base = current_app.config["BASE_URL"].rstrip("/")

    def link(kind: str, token: str) -> str:
        if kind == "reset" and not token:
            return base + url_for("auth.reset_request")
        return base + url_for(_LINK_ENDPOINTS[kind], token=token)

    return accounts.AccountMail(
        org_name=current_app.config["ORG_NAME"],
        link=link,
        verify_max_age=current_app.config["VERIFY_TOKEN_MAX_AGE"],
        reset_max_age=current_app.config["RESET_TOKEN_MAX_AGE"],
    )


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _register_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER"]


def _email_key() -> str:
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def _sign_in(member, remember: bool) -> None:
    session.clear()  # a new session on login: nothing from before survives
    login_user(member, remember=remember)


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(_register_limit, methods=["POST"])
def register():
    form = RegisterForm()
    form.local_group.choices = [(0, _("— choose —"))] + groups.choices(db.session)
    if current_app.config["ADMISSION_MODE"] == "roll":
        del form.local_group  # the roll says which group a member belongs to
    if form.validate_on_submit():
        group_id = (
            form.local_group.data if "local_group" in form and form.local_group.data else None
        )
        try:
            accounts.register(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                local_group_id=group_id,
                declaration_accepted=form.accept_declaration.data,
                admission_mode=current_app.config["ADMISSION_MODE"],
                mailer=account_mail(),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "password")
        else:
            return redirect(url_for("auth.check_inbox"))
    return render_template(
        "auth/register.html", form=form, declaration=current_app.config["ORG_DECLARATION"]
    )


@bp.get("/register/check-inbox")
@public
def check_inbox():
    return render_template("auth/check_inbox.html")


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
def verify(token: str):
    # A GET only shows a button, so mail scanners that prefetch links cannot use the token.
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.verify_email(db.session, token, utcnow())
        flash(_("Your email address is confirmed. You can now sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/confirm_link.html",
        form=form,
        title=_("Confirm your email address"),
        button=_("Confirm my email"),
    )


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        member = accounts.authenticate(db.session, form.email.data, form.password.data)
        if member is None or not member.is_active:
            form.form_errors.append(_("That email and password do not match an account."))
        elif not member.is_verified:
            form.form_errors.append(
                _(
                    "Please confirm your email address first: open the link "
                    "we sent you, or reset your password to get a new one."
                )
            )
        else:
            _sign_in(member, form.remember.data)
            flash(_("Welcome back, %(name)s.", name=member.display_name), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@requires(is_signed_in)
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.end_session(db.session, current_user._get_current_object())
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
    return redirect(url_for("main.home"))


@bp.route("/reset", methods=["GET", "POST"])
@public
@limiter.limit(_register_limit, methods=["POST"])
def reset_request():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        accounts.request_password_reset(
            db.session, form.email.data, mailer=account_mail(), now=utcnow()
        )
        flash(
            _("If that address has an account, we have sent it a link to reset the password."),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    accounts.check_reset_token(db.session, token, utcnow())
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(
                db.session, token, form.password.data, mailer=account_mail(), now=utcnow()
            )
        except DeliberateError as error:
            attach_error(form, error, "password")
        else:
            logout_user()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@requires(is_signed_in)
def account():
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                db.session,
                current_user,
                display_name=form.display_name.data,
                language=form.language.data,
            )
        except DeliberateError as error:
            attach_error(form, error, "display_name")
        else:
            flash(_("Your settings are saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@requires(is_signed_in)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                db.session,
                current_user,
                form.current_password.data,
                form.password.data,
                mailer=account_mail(),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error, "current_password")
        else:
            _sign_in(current_user._get_current_object(), remember=False)
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
                current_user,
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
