"""Password hashing with argon2id.

Any Unicode is accepted (ASVS 2.1.4). Passwords are NFKC-normalised before hashing and
verifying, as NIST SP 800-63B advises, so the same password typed as "é" (one code point)
or "e" + combining accent (two), as keyboards and operating systems differ, still signs in.
"""

import unicodedata

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


def normalise(password: str) -> str:
    """The form of the password that is hashed: NFKC, nothing else changed."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash of the normalised password."""
    return _hasher.hash(normalise(password))


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches; spends the same effort when there is no account."""
    candidate, normalised = stored_hash or _DUMMY_HASH, normalise(password)
    matches = _verify(candidate, normalised)
    if not matches and normalised != password:
        # Hashes made before normalisation hold the password exactly as it was typed.
        matches = _verify(candidate, password)
    return matches and stored_hash is not None
