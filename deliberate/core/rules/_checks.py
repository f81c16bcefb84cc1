"""Validation helpers that turn bad values into plain-language ValidationErrors.

``what`` names the value in the message; callers pass it marked with ``N_`` so that it is
translated along with the sentence around it.
"""

from __future__ import annotations

from enum import Enum
from fractions import Fraction
from typing import Any, TypeVar

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_

E = TypeVar("E", bound=Enum)


def check_int(value: Any, what: str, *, minimum: int = 0) -> int:
    """Return ``value`` if it is a whole number of at least ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(N_("%(what)s must be a whole number.", what=what))
    if value < minimum:
        raise ValidationError(
            N_(
                "%(what)s must be at least %(minimum)s, not %(value)s.",
                what=what,
                minimum=minimum,
                value=value,
            )
        )
    return value


def check_optional_int(value: Any, what: str, *, minimum: int = 0) -> int | None:
    """Like check_int, but None (no limit) is allowed."""
    return None if value is None else check_int(value, what, minimum=minimum)


def check_share(value: Any, what: str, *, allow_zero: bool = False) -> Fraction:
    """Return ``value`` as a Fraction between 0% and 100%; floats are refused as inexact."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValidationError(
            N_(
                "%(what)s must be an exact fraction such as 1/20, not %(value)s.",
                what=what,
                value=repr(value),
            )
        )
    value = Fraction(value)
    if value > 1:
        raise ValidationError(N_("%(what)s cannot be more than 100%%.", what=what))
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError(N_("%(what)s must be more than 0%%.", what=what))
    return value


def check_optional_share(value: Any, what: str) -> Fraction | None:
    """Like check_share, but None (no such rule) is allowed."""
    return None if value is None else check_share(value, what)


def check_enum(value: Any, enum: type[E], what: str) -> E:
    """Return ``value`` as a member of ``enum``, accepting the member or its stored value."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except (ValueError, TypeError):
        allowed = ", ".join(repr(member.value) for member in enum)
        raise ValidationError(
            N_(
                "%(what)s must be one of %(allowed)s, not %(value)s.",
                what=what,
                allowed=allowed,
                value=repr(value),
            )
        ) from None


def check_bool(value: Any, what: str) -> bool:
    """Return ``value`` if it is True or False, else raise."""
    if not isinstance(value, bool):
        raise ValidationError(N_("%(what)s must be true or false.", what=what))
    return value


def check_text(value: Any, what: str) -> str:
    """Return ``value`` if it is non-blank text, else raise."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(N_("%(what)s must not be blank.", what=what))
    return value
