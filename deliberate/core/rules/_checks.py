"""Validation helpers that turn bad values into plain-language ValidationErrors."""

from __future__ import annotations

from enum import Enum
from fractions import Fraction
from typing import Any, TypeVar

from deliberate.core.errors import ValidationError

E = TypeVar("E", bound=Enum)


def check_int(value: Any, what: str, *, minimum: int = 0) -> int:
    """Return ``value`` if it is a whole number of at least ``minimum``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be a whole number.")
    if value < minimum:
        raise ValidationError(f"{what} must be at least {minimum:,}, not {value:,}.")
    return value


def check_optional_int(value: Any, what: str, *, minimum: int = 0) -> int | None:
    """Like check_int, but None (no limit) is allowed."""
    return None if value is None else check_int(value, what, minimum=minimum)


def check_share(value: Any, what: str, *, allow_zero: bool = False) -> Fraction:
    """Return ``value`` as a Fraction between 0% and 100%; floats are refused as inexact."""
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise ValidationError(f"{what} must be an exact fraction such as 1/20, not {value!r}.")
    value = Fraction(value)
    if value > 1:
        raise ValidationError(f"{what} cannot be more than 100%.")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError(f"{what} must be more than 0%.")
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
        raise ValidationError(f"{what} must be one of {allowed}, not {value!r}.") from None


def check_bool(value: Any, what: str) -> bool:
    """Return ``value`` if it is True or False, else raise."""
    if not isinstance(value, bool):
        raise ValidationError(f"{what} must be true or false.")
    return value


def check_text(value: Any, what: str) -> str:
    """Return ``value`` if it is non-blank text, else raise."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{what} must not be blank.")
    return value
