"""The wording of every account email, as (subject, body) pairs.

Bodies are plain text, so user-supplied names cannot inject markup; names are still
cleaned of control characters before they ever reach here. Each function translates
with ``gettext`` in the current locale: callers render inside
``deliberate.i18n.in_language_of(recipient)``, so each mail is in its recipient's language.
"""

from flask_babel import gettext as _


def verify_email(org: str, name: str, link: str) -> tuple[str, str]:
    return (
        _("Confirm your email for %(org)s", org=org),
        _(
            "Hello %(name)s,\n\nPlease confirm your email address by opening this link:\n\n"
            "%(link)s\n\nThe link works once and expires in three days. If you did not "
            "register, ignore this message.\n",
            name=name,
            link=link,
        ),
    )


def already_registered(org: str, link: str) -> tuple[str, str]:
    return (
        _("Someone tried to register with your address at %(org)s", org=org),
        _(
            "Somebody (perhaps you) tried to register a new account with this email address, "
            "but it already has one. If you forgot your password, reset it here:\n\n"
            "%(link)s\n\nIf this was not you, you can ignore this message.\n",
            link=link,
        ),
    )


def not_on_roll(org: str) -> tuple[str, str]:
    return (
        _("Your registration at %(org)s", org=org),
        _(
            "Somebody (perhaps you) tried to register with this email address, but it is not "
            "on the membership roll of %(org)s. If you are a member, ask your local group "
            "secretary to check the address the organisation holds for you.\n",
            org=org,
        ),
    )


def reset_password(org: str, link: str) -> tuple[str, str]:
    return (
        _("Reset your password at %(org)s", org=org),
        _(
            "To choose a new password, open this link:\n\n%(link)s\n\n"
            "It works once and expires in one hour. If you did not ask for this, ignore it; "
            "your password stays as it is.\n",
            link=link,
        ),
    )


def password_changed(org: str) -> tuple[str, str]:
    return (
        _("Your password at %(org)s was changed", org=org),
        _(
            "The password of your account was just changed and every other session was "
            "signed out. If this was not you, reset your password at once and tell the "
            "committee.\n"
        ),
    )


def confirm_new_email(org: str, link: str) -> tuple[str, str]:
    return (
        _("Confirm your new email address at %(org)s", org=org),
        _(
            "To make this your account's address, open this link:\n\n%(link)s\n\n"
            "It works once and expires in three days.\n",
            link=link,
        ),
    )


def email_change_requested(org: str) -> tuple[str, str]:
    return (
        _("A change of email address was requested at %(org)s", org=org),
        _(
            "Somebody signed in to your account asked to move it to a different email "
            "address. Nothing changes until the new address is confirmed. If this was not "
            "you, change your password now.\n"
        ),
    )


def email_changed(org: str, new_email: str) -> tuple[str, str]:
    return (
        _("Your email address at %(org)s was changed", org=org),
        _(
            "Your account now uses %(email)s. If this was not you, contact the committee at "
            "once.\n",
            email=new_email,
        ),
    )


def email_taken(org: str) -> tuple[str, str]:
    return (
        _("Your email address at %(org)s", org=org),
        _(
            "Somebody asked to move an existing account to this address, but this address "
            "already has its own account, so nothing was changed.\n"
        ),
    )
