"""Accounts: register, confirm email, sign in and out, reset and change password or email.

Getting in (register, confirm, sign in and out, reset a forgotten password) is here,
with the blueprint and the glue its views share; settings.py adds the signed-in
member's own settings (profile, password, email, two-factor, API tokens) to the same
blueprint.
"""

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
from flask_login import login_user, logout_user

from deliberate.core.errors import DeliberateError
from deliberate.extensions import db, limiter
from deliberate.forms.auth import (
    ConfirmForm,
    EmailOnlyForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    TwoFactorCodeForm,
)
from deliberate.models import utcnow
from deliberate.permissions import is_signed_in, public, requires
from deliberate.services import accounts, groups
from deliberate.services import two_factor as two_factor_service
from deliberate.web.forms_glue import attach_error, safe_next
from deliberate.web.signed_in import signed_in_member

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


def _login_address_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN_PER_ADDRESS"]


def _register_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER"]


def _account_link_limit() -> str:
    return current_app.config["RATELIMIT_ACCOUNT_LINK"]


# One budget per address for every link that carries an account token (T31): guessing
# cannot spread its tries over the three endpoints.
account_link_limit = limiter.shared_limit(_account_link_limit, scope="account-link")


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
    page = render_template(
        "auth/register.html", form=form, declaration=current_app.config["ORG_DECLARATION"]
    )
    return page, 422 if request.method == "POST" else 200


@bp.get("/register/check-inbox")
@public
def check_inbox():
    return render_template("auth/check_inbox.html")


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
@account_link_limit
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
@limiter.limit(_login_address_limit, methods=["POST"])
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
        elif member.has_two_factor:
            # Password proved; the session remembers only that, until the code is given.
            session.clear()
            session["two_factor_pending"] = member.session_token
            session["two_factor_remember"] = bool(form.remember.data)
            session["two_factor_next"] = safe_next(request.args.get("next"))
            return redirect(url_for("auth.two_factor_login"))
        else:
            _sign_in(member, form.remember.data)
            flash(_("Welcome back, %(name)s.", name=member.display_name), "success")
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def two_factor_login():
    pending = session.get("two_factor_pending")
    member = accounts.find_by_session_token(db.session, pending) if pending else None
    if member is None:
        return redirect(url_for("auth.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if two_factor_service.check_code(db.session, member, form.code.data, now=utcnow()):
            remember, target = session.get("two_factor_remember"), session.get("two_factor_next")
            _sign_in(member, bool(remember))
            flash(_("Welcome back, %(name)s.", name=member.display_name), "success")
            return redirect(safe_next(target))
        form.code.errors = [two_factor_service.WRONG_CODE]
    return render_template("auth/two_factor_login.html", form=form)


@bp.post("/logout")
@requires(is_signed_in)
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.end_session(db.session, signed_in_member())
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
@account_link_limit
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


from deliberate.web.auth import settings  # noqa: E402, F401
