"""Two-factor sign-in with time-based one-time passwords (RFC 6238, via pyotp).

Enrolment is two steps: a secret is stored, then a code from the member's app confirms
it. Each accepted code's time step is remembered so the same code cannot be used twice.
"""

from datetime import datetime

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from deliberate.core.errors import ValidationError
from deliberate.database import begin_write
from deliberate.models import Member
from deliberate.services import audit_log, passwords

STEP_SECONDS = 30
WRONG_CODE = _l("That code is not right. Use the current six-digit code from your app.")


def begin_enrolment(session: Session, member: Member) -> str:
    """Store a new secret for the member (not yet in force) and return it."""
    begin_write(session)
    member.totp_secret = pyotp.random_base32()
    member.totp_enabled_at = None
    member.totp_last_step = None
    session.commit()
    return member.totp_secret


def provisioning_uri(member: Member, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(member.totp_secret or "").provisioning_uri(
        name=member.email, issuer_name=issuer
    )


def qr_svg(uri: str) -> str:
    """An SVG QR code of the address (markup we generate, with no user input in it)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#1b1f24", light="#ffffff")


def _accept(member: Member, code: str, now: datetime) -> bool:
    code = "".join(code.split())
    if not (member.totp_secret and code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(member.totp_secret)
    step = int(now.timestamp()) // STEP_SECONDS
    for candidate in (step, step - 1, step + 1):  # one step of clock drift either way
        if candidate <= (member.totp_last_step or -1):
            continue
        if pyotp.utils.strings_equal(totp.at(candidate * STEP_SECONDS), code):
            member.totp_last_step = candidate
            return True
    return False


def confirm_enrolment(session: Session, member: Member, code: str, *, now: datetime) -> None:
    """Turn two-factor sign-in on once a code from the new secret checks out."""
    begin_write(session)
    if not _accept(member, code, now):
        raise ValidationError(WRONG_CODE, field="code")
    member.totp_enabled_at = now
    audit_log.record(
        session,
        actor=member,
        action="two_factor.enabled",
        payload={"member": member.public_id},
        now=now,
    )
    session.commit()


def check_code(session: Session, member: Member, code: str, *, now: datetime) -> bool:
    """True (and the code used up) when the code is right for an enrolled member."""
    begin_write(session)
    accepted = member.has_two_factor and _accept(member, code, now)
    session.commit()
    return accepted


def disable(session: Session, member: Member, password: str, *, now: datetime) -> None:
    """Turn two-factor sign-in off after checking the password."""
    if not passwords.verify_password(member.password_hash, password):
        raise ValidationError(_l("Your password is not correct."), field="password")
    begin_write(session)
    member.totp_secret = None
    member.totp_enabled_at = None
    member.totp_last_step = None
    audit_log.record(
        session,
        actor=member,
        action="two_factor.disabled",
        payload={"member": member.public_id},
        now=now,
    )
    session.commit()


def is_required_for(member: Member, required_roles: set[str]) -> bool:
    """True when the configuration demands two-factor sign-in for one of the member's roles."""
    return bool({role.value for role in member.roles} & required_roles)
