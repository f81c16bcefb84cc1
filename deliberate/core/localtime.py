"""Turning a wall-clock time typed in the organisation's time zone into UTC, safely (T14).

A local time can fail to name one instant: on the night clocks go forward it may not
exist (02:30 on 2026-03-29 in Europe/Berlin), and on the night they go back it happens
twice (02:30 on 2026-10-25). Both are refused with a plain message rather than guessed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_


def local_to_utc(local: datetime, zone: str, *, field: str | None = None) -> datetime:
    """The UTC instant of a naive local time in ``zone``; refuses gaps and repeats."""
    if local.tzinfo is not None:
        raise ValidationError(N_("Give the local time without a zone."), field=field)
    tz = ZoneInfo(zone)
    early, late = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    stamp = local.strftime("%Y-%m-%d %H:%M")
    # Non-existent: the time does not survive a round trip through UTC.
    if early.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        raise ValidationError(
            N_(
                "%(time)s does not exist in %(zone)s: the clocks go forward then. "
                "Choose another time.",
                time=stamp,
                zone=zone,
            ),
            field=field,
        )
    # Ambiguous: the two readings of the repeated hour have different offsets.
    if early.utcoffset() != late.utcoffset():
        raise ValidationError(
            N_(
                "%(time)s happens twice in %(zone)s: the clocks go back then. Choose another time.",
                time=stamp,
                zone=zone,
            ),
            field=field,
        )
    return early.astimezone(UTC)


def utc_to_local(moment: datetime, zone: str) -> datetime:
    """An aware UTC instant in the organisation's zone."""
    return moment.astimezone(ZoneInfo(zone))


def local_text(moment: datetime, zone: str) -> str:
    """'2026-03-29 14:00 CEST (UTC+02:00)'."""
    local = utc_to_local(moment, zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"
