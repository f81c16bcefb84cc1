"""Plain-English number formatting shared by the rule descriptions and verdicts."""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction

# Shares that people say in words rather than as percentages.
_NAMED_SHARES = {
    Fraction(1, 2): "half",
    Fraction(2, 3): "two thirds",
    Fraction(3, 4): "three quarters",
    Fraction(3, 5): "three fifths",
    Fraction(1, 1): "all",
}


def number_text(value: int | Fraction) -> str:
    """Write a count with thousands separators, e.g. 40001 -> '40,001'; halves as '1,450.5'."""
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    tenths = math.floor(value * 10)
    return f"{tenths // 10:,}.{tenths % 10}"


def share_text(share: Fraction) -> str:
    """Write a rule's share exactly: 1/20 -> '5%', 1/40 -> '2.5%', 1/3 -> '1/3 (about 33.3%)'."""
    value = share * 100
    for places in range(4):
        scaled = value * 10**places
        if scaled.denominator == 1:
            whole, part = divmod(scaled.numerator, 10**places)
            return f"{whole}.{part:0{places}d}%" if places else f"{whole}%"
    return f"{share.numerator}/{share.denominator} (about {percent_text(share)})"


def percent_text(value: Fraction, near: Fraction | None = None) -> str:
    """Write a measured share as a percentage, rounding down so it never looks past a threshold.

    With ``near`` (the threshold it is compared with), more decimals are shown until the
    written figure sits on the same side of ``near`` as the exact value: 50.04% against a
    50% rule is written '50.04%', never '50%'.
    """
    scaled = value * 100
    if scaled.denominator == 1:
        return f"{scaled.numerator}%"
    for places in range(1, 7):
        shown = Fraction(math.floor(scaled * 10**places), 10**places)
        if near is None or _same_side(shown, scaled, near * 100):
            break
    whole, part = divmod(shown.numerator * 10**places // shown.denominator, 10**places)
    digits = f"{part:0{places}d}".rstrip("0")
    return f"{whole}.{digits}%" if digits else f"{whole}%"


def _same_side(shown: Fraction, exact: Fraction, threshold: Fraction) -> bool:
    return (shown > threshold) == (exact > threshold) and (shown == threshold) == (
        exact == threshold
    )


def share_words(share: Fraction) -> str:
    """Name a share the way people say it: 'half', 'two thirds', otherwise '60%'."""
    return _NAMED_SHARES.get(share) or share_text(share)


def days_text(days: int) -> str:
    """'1 day', '30 days'."""
    return "1 day" if days == 1 else f"{number_text(days)} days"


def date_text(day: date) -> str:
    """'3 May 2024'."""
    return f"{day.day} {day:%B %Y}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 signature', '2,001 signatures'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{number_text(count)} {word}"
