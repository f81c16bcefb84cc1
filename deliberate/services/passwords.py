"""Password hashing with argon2id."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from deliberate.core.errors import ValidationError

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths cost the same time (T30).
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000


def check_strength(password: str) -> None:
    """Raise ValidationError when a new password is too short or absurdly long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(_l("Use at most %(n)s characters.", n=MAX_PASSWORD_LENGTH))


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; spends the same effort when there is no account."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
