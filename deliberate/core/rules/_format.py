"""Number formatting shared by the rule descriptions and verdicts.

The results are Messages (see core.messages): English text that the web layer writes
again in the reader's language, digits and decimal separator included.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

from deliberate.core.messages import N_, Message

# Shares that people say in words rather than as percentages.
_NAMED_SHARES = {
    Fraction(1, 2): N_("half"),
    Fraction(2, 3): N_("two thirds"),
    Fraction(3, 4): N_("three quarters"),
    Fraction(3, 5): N_("three fifths"),
    Fraction(1, 1): N_("all"),
}


def counted(count: int, one: Message, many: Message, **params: object) -> Message:
    """The right form of a counted noun, still translatable: '1 day', '30 days'.

    Pass both forms marked, e.g. ``counted(n, N_("1 day"), N_("%(n)s days"))``; ``params``
    fill any other placeholders.
    """
    return Message((one if count == 1 else many).msgid, n=count, **params)


def amount(value: int | Fraction) -> int | Decimal:
    """A count as a message value: whole, or rounded down to tenths (1,450.5)."""
    value = Fraction(value)
    if value.denominator == 1:
        return value.numerator
    return Decimal(math.floor(value * 10)) / 10


def _percent(whole: int, part: int, places: int) -> Message:
    digits = f"{part:0{places}d}".rstrip("0") if places else ""
    number = Decimal(f"{whole}.{digits}") if digits else Decimal(whole)
    return Message(N_("%(percent)s%%").msgid, percent=number)


def number_text(value: int | Fraction) -> str:
    """Write a count with thousands separators, e.g. 40001 -> '40,001'; halves as '1,450.5'."""
    value = Fraction(value)
    if value.denominator == 1:
        return f"{value.numerator:,}"
    tenths = math.floor(value * 10)
    return f"{tenths // 10:,}.{tenths % 10}"


def share_text(share: Fraction) -> Message:
    """Write a rule's share exactly: 1/20 -> '5%', 1/40 -> '2.5%', 1/3 -> '1/3 (about 33.3%)'."""
    value = share * 100
    for places in range(4):
        scaled = value * 10**places
        if scaled.denominator == 1:
            whole, part = divmod(scaled.numerator, 10**places)
            return _percent(whole, part, places)
    return N_(
        "%(fraction)s (about %(percent)s)",
        fraction=f"{share.numerator}/{share.denominator}",
        percent=percent_text(share),
    )


def percent_text(value: Fraction, near: Fraction | None = None) -> Message:
    """Write a measured share as a percentage, rounding down so it never looks past a threshold.

    With ``near`` (the threshold it is compared with), more decimals are shown until the
    written figure sits on the same side of ``near`` as the exact value: 50.04% against a
    50% rule is written '50.04%', never '50%'.
    """
    scaled = value * 100
    if scaled.denominator == 1:
        return _percent(scaled.numerator, 0, 0)
    for places in range(1, 7):
        shown = Fraction(math.floor(scaled * 10**places), 10**places)
        if near is None or _same_side(shown, scaled, near * 100):
            break
    whole, part = divmod(shown.numerator * 10**places // shown.denominator, 10**places)
    return _percent(whole, part, places)


def _same_side(shown: Fraction, exact: Fraction, threshold: Fraction) -> bool:
    return (shown > threshold) == (exact > threshold) and (shown == threshold) == (
        exact == threshold
    )


def share_words(share: Fraction) -> Message:
    """Name a share the way people say it: 'half', 'two thirds', otherwise '60%'."""
    return _NAMED_SHARES.get(share) or share_text(share)


def days_text(days: int) -> Message:
    """'1 day', '30 days'."""
    return counted(days, N_("1 day"), N_("%(n)s days"))


def date_text(day: date) -> Message:
    """'3 May 2024' (in Spanish '3 de mayo de 2024')."""
    return Message("%(date)s", date=day)


def signatures_text(count: int) -> Message:
    """'1 signature', '2,001 signatures'."""
    return counted(count, N_("1 signature"), N_("%(n)s signatures"))
