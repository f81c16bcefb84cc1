"""Account use cases: register, verify, log in, reset and change password or email.

No function here tells its caller whether an email is registered when the caller has not
proved control of it: registration and reset answer the same either way, and the owner of
an address learns the rest by email (T30).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deliberate.core.errors import ValidationError
from deliberate.core.text import clean_line, normalise_email
from deliberate.database import begin_write
from deliberate.i18n import in_language_of
from deliberate.mailer import texts
from deliberate.models import LocalGroup, Member, MembershipStatus, RollEntry, TokenPurpose
from deliberate.services import mail, names, passwords, tokens


@dataclass(frozen=True)
class AccountMail:
    """What account emails need from the web layer: the org's name and absolute links."""

    org_name: str
    link: Callable[[str, str], str]  # (kind, token) -> URL; kinds: verify, reset, email
    verify_max_age: int = 3 * 24 * 3600
    reset_max_age: int = 3600


def _send(
    session: Session,
    to: str,
    message: Callable[[], tuple[str, str]],
    now: datetime,
    *,
    member: Member | None,
    own_action: bool = True,
) -> None:
    """Queue ``message()``, written in the language of ``member`` (the recipient, if any)."""
    with in_language_of(member, own_action=own_action):
        subject, body = message()
    mail.queue(session, to=to, subject=subject, body=body, now=now)


def find_by_email(session: Session, email: str) -> Member | None:
    """The member with this email (compared normalised), if any."""
    return session.execute(
        select(Member).where(Member.email == normalise_email(email))
    ).scalar_one_or_none()


def register(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    local_group_id: int | None,
    declaration_accepted: bool,
    admission_mode: str,
    mailer: AccountMail,
    now: datetime,
) -> None:
    """Create an unverified member and email a link; the answer never reveals if it existed."""
    passwords.check_strength(password)
    if not declaration_accepted:
        raise ValidationError(_l("You must accept the declaration to join."))
    name = clean_line(display_name)
    if not name:
        raise ValidationError(_l("Enter the name other members will see."))
    names.check_display_name(name)
    email = normalise_email(email)
    # Hashed on every path, known address or not, so the time taken says nothing (T30);
    # and before the write lock, so the lock is not held while argon2 works.
    password_hash = passwords.hash_password(password)
    begin_write(session)
    existing = find_by_email(session, email)
    if existing is not None:
        _send(
            session,
            email,
            lambda: texts.already_registered(mailer.org_name, mailer.link("reset", "")),
            now,
            member=existing,
            own_action=False,  # perhaps not its owner: the owner's language, not the browser's
        )
        session.commit()
        return
    roll = session.execute(select(RollEntry).where(RollEntry.email == email)).scalar_one_or_none()
    if admission_mode == "roll" and roll is None:
        _send(session, email, lambda: texts.not_on_roll(mailer.org_name), now, member=None)
        session.commit()
        return
    if (
        roll is None
        and local_group_id is not None
        and session.get(LocalGroup, local_group_id) is None
    ):
        raise ValidationError(_l("Choose one of the local groups listed."))
    member = Member(
        email=email,
        display_name=name,
        password_hash=password_hash,
        declaration_accepted_at=now,
        local_group_id=roll.local_group_id if roll else local_group_id,
        joined_on=roll.joined_on if roll else now.date(),
        status=MembershipStatus.ACTIVE,
        created_at=now,
    )
    session.add(member)
    try:
        session.flush()
    except IntegrityError:
        # Someone registered the same address a moment ago: answer as if it existed.
        session.rollback()
        return
    raw = tokens.issue(
        session,
        member_id=member.id,
        purpose=TokenPurpose.VERIFY_EMAIL,
        now=now,
        max_age=mailer.verify_max_age,
    )
    _send(
        session,
        email,
        lambda: texts.verify_email(mailer.org_name, name, mailer.link("verify", raw)),
        now,
        member=member,
    )
    session.commit()


def verify_email(session: Session, raw_token: str, now: datetime) -> Member:
    """Confirm the address the token was sent to."""
    begin_write(session)
    token = tokens.consume(session, raw_token, TokenPurpose.VERIFY_EMAIL, now)
    member = session.get_one(Member, token.member_id)
    if member.email_verified_at is None:
        member.email_verified_at = now
    session.commit()
    return member


def find_by_session_token(session: Session, token: str) -> Member | None:
    """The member whose current session token this is, if any."""
    return session.execute(select(Member).where(Member.session_token == token)).scalar_one_or_none()


def authenticate(session: Session, email: str, password: str) -> Member | None:
    """The member whose email and password these are, or None; same cost either way."""
    member = find_by_email(session, email)
    if not passwords.verify_password(member.password_hash if member else None, password):
        return None
    return member


def request_password_reset(
    session: Session, email: str, *, mailer: AccountMail, now: datetime
) -> None:
    """Email a reset link if the address has an account; say nothing either way."""
    begin_write(session)
    member = find_by_email(session, email)
    if member is None:
        return
    raw = tokens.issue(
        session,
        member_id=member.id,
        purpose=TokenPurpose.RESET_PASSWORD,
        now=now,
        max_age=mailer.reset_max_age,
    )
    _send(
        session,
        member.email,
        lambda: texts.reset_password(mailer.org_name, mailer.link("reset", raw)),
        now,
        member=member,
    )
    session.commit()


def check_reset_token(session: Session, raw_token: str, now: datetime) -> None:
    """Raise ValidationError unless the reset link is still usable."""
    tokens.peek(session, raw_token, TokenPurpose.RESET_PASSWORD, now)


def _set_password(
    session: Session, member: Member, new_password: str, mailer: AccountMail, now: datetime
) -> None:
    from deliberate.models.member import new_session_token

    passwords.check_strength(new_password)
    member.password_hash = passwords.hash_password(new_password)
    member.session_token = new_session_token()  # signs out every other session (T28)
    _send(
        session, member.email, lambda: texts.password_changed(mailer.org_name), now, member=member
    )


def reset_password(
    session: Session, raw_token: str, new_password: str, *, mailer: AccountMail, now: datetime
) -> Member:
    """Set a new password from a reset link; the link also proves the email address."""
    passwords.check_strength(new_password)
    begin_write(session)
    token = tokens.consume(session, raw_token, TokenPurpose.RESET_PASSWORD, now)
    member = session.get_one(Member, token.member_id)
    _set_password(session, member, new_password, mailer, now)
    if member.email_verified_at is None:
        member.email_verified_at = now
    session.commit()
    return member


def change_password(
    session: Session,
    member: Member,
    current: str,
    new_password: str,
    *,
    mailer: AccountMail,
    now: datetime,
) -> None:
    """Change the password after checking the current one; notify the address."""
    if not passwords.verify_password(member.password_hash, current):
        raise ValidationError(_l("Your current password is not correct."))
    begin_write(session)
    _set_password(session, member, new_password, mailer, now)
    session.commit()


def request_email_change(
    session: Session,
    member: Member,
    new_email: str,
    password: str,
    *,
    mailer: AccountMail,
    now: datetime,
) -> None:
    """Send a confirmation link to the new address and a notice to the old one."""
    if not passwords.verify_password(member.password_hash, password):
        raise ValidationError(_l("Your password is not correct."))
    new_email = normalise_email(new_email)
    if new_email == member.email:
        raise ValidationError(_l("That is already your email address."))
    begin_write(session)
    _send(
        session,
        member.email,
        lambda: texts.email_change_requested(mailer.org_name),
        now,
        member=member,
    )
    owner = find_by_email(session, new_email)
    if owner is not None:
        _send(
            session,
            new_email,
            lambda: texts.email_taken(mailer.org_name),
            now,
            member=owner,
            own_action=False,
        )
    else:
        raw = tokens.issue(
            session,
            member_id=member.id,
            purpose=TokenPurpose.CHANGE_EMAIL,
            now=now,
            max_age=mailer.verify_max_age,
            new_email=new_email,
        )
        _send(
            session,
            new_email,
            lambda: texts.confirm_new_email(mailer.org_name, mailer.link("email", raw)),
            now,
            member=member,
        )
    session.commit()


def confirm_email_change(
    session: Session, raw_token: str, *, mailer: AccountMail, now: datetime
) -> Member:
    """Move the account to the confirmed new address and tell the old one."""
    begin_write(session)
    token = tokens.consume(session, raw_token, TokenPurpose.CHANGE_EMAIL, now)
    member = session.get_one(Member, token.member_id)
    old_email, new_email = member.email, token.new_email or ""
    if find_by_email(session, new_email) is not None:
        session.rollback()
        raise ValidationError(_l("That address now belongs to another account; nothing changed."))
    member.email = new_email
    member.email_verified_at = now
    _send(
        session,
        old_email,
        lambda: texts.email_changed(mailer.org_name, new_email),
        now,
        member=member,
    )
    session.commit()
    return member


def end_session(session: Session, member: Member) -> None:
    """Sign out: a new session token makes every copied cookie worthless (T28)."""
    from deliberate.models.member import new_session_token

    begin_write(session)
    member.session_token = new_session_token()
    session.commit()


def update_profile(
    session: Session, member: Member, *, display_name: str, language: str | None
) -> None:
    """Change the public name and the preferred language."""
    name = clean_line(display_name)
    if not name:
        raise ValidationError(_l("Enter the name other members will see."))
    names.check_display_name(name)
    begin_write(session)
    member.display_name = name
    member.language = language or None
    session.commit()
