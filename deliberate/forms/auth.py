"""Forms for accounts: registration, sign-in, password and email changes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from deliberate.forms.validators import EmailAddress, SingleScriptWords
from deliberate.services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

_password_length = Length(
    min=MIN_PASSWORD_LENGTH,
    max=MAX_PASSWORD_LENGTH,
    message=_l(
        "Use between %(min)d and %(max)d characters.",
        min=MIN_PASSWORD_LENGTH,
        max=MAX_PASSWORD_LENGTH,
    ),
)
_display_name = [
    DataRequired(_l("Enter your name.")),
    Length(max=80),
    SingleScriptWords(),
]
_email = [
    DataRequired(_l("Enter your email address.")),
    Length(max=254),
    EmailAddress(_l("Enter a valid email address, like name@example.org.")),
]


class RegisterForm(FlaskForm):
    display_name = StringField(
        _l("Your name, as other members will see it"), validators=_display_name
    )
    email = EmailField(_l("Email address"), validators=_email)
    password = PasswordField(
        _l("Password (at least 10 characters)"),
        validators=[DataRequired(_l("Choose a password.")), _password_length],
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )
    local_group = SelectField(_l("Your local group"), coerce=int, validators=[Optional()])
    accept_declaration = BooleanField(
        validators=[DataRequired(_l("You must accept the declaration to join."))]
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=_email)
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class EmailOnlyForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=_email)


class ConfirmForm(FlaskForm):
    """An empty form: a button plus the CSRF token."""


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password (at least 10 characters)"),
        validators=[DataRequired(_l("Choose a password.")), _password_length],
    )
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )


class ChangeEmailForm(FlaskForm):
    new_email = EmailField(_l("New email address"), validators=_email)
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Your name, as other members will see it"), validators=_display_name
    )
    language = SelectField(
        _l("Language"),
        choices=[("", _l("As my browser prefers")), ("en", "English"), ("es", "Español")],
        validators=[Optional()],
    )


class TwoFactorCodeForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=10)],
    )


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
    )


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("What will use this token?"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=80)],
    )
