"""The wording of every account email, as (subject, body) pairs.

Bodies are plain text, so user-supplied names cannot inject markup; names are still
cleaned of control characters before they ever reach here.
"""


def verify_email(org: str, name: str, link: str) -> tuple[str, str]:
    return (
        f"Confirm your email for {org}",
        f"Hello {name},\n\nPlease confirm your email address by opening this link:\n\n"
        f"{link}\n\nThe link works once and expires in three days. If you did not register, "
        "ignore this message.\n",
    )


def already_registered(org: str, link: str) -> tuple[str, str]:
    return (
        f"Someone tried to register with your address at {org}",
        "Somebody (perhaps you) tried to register a new account with this email address, "
        "but it already has one. If you forgot your password, reset it here:\n\n"
        f"{link}\n\nIf this was not you, you can ignore this message.\n",
    )


def not_on_roll(org: str) -> tuple[str, str]:
    return (
        f"Your registration at {org}",
        "Somebody (perhaps you) tried to register with this email address, but it is not on "
        f"the membership roll of {org}. If you are a member, ask your local group secretary "
        "to check the address the organisation holds for you.\n",
    )


def reset_password(org: str, link: str) -> tuple[str, str]:
    return (
        f"Reset your password at {org}",
        f"To choose a new password, open this link:\n\n{link}\n\n"
        "It works once and expires in one hour. If you did not ask for this, ignore it; "
        "your password stays as it is.\n",
    )


def password_changed(org: str) -> tuple[str, str]:
    return (
        f"Your password at {org} was changed",
        "The password of your account was just changed and every other session was signed "
        "out. If this was not you, reset your password at once and tell the committee.\n",
    )


def confirm_new_email(org: str, link: str) -> tuple[str, str]:
    return (
        f"Confirm your new email address at {org}",
        f"To make this your account's address, open this link:\n\n{link}\n\n"
        "It works once and expires in three days.\n",
    )


def email_change_requested(org: str) -> tuple[str, str]:
    return (
        f"A change of email address was requested at {org}",
        "Somebody signed in to your account asked to move it to a different email address. "
        "Nothing changes until the new address is confirmed. If this was not you, change your "
        "password now.\n",
    )


def email_changed(org: str, new_email: str) -> tuple[str, str]:
    return (
        f"Your email address at {org} was changed",
        f"Your account now uses {new_email}. If this was not you, contact the committee at once.\n",
    )


def email_taken(org: str) -> tuple[str, str]:
    return (
        f"Your email address at {org}",
        "Somebody asked to move an existing account to this address, but this address already "
        "has its own account, so nothing was changed.\n",
    )
