"""When a signature is held for a check instead of counted: a burst from one address (T32).

Counted per proposal, over every signature row of the last hour from the same IP
address or email domain, whatever became of it, so signing and withdrawing in a loop
does not reset it. services.signing stores a held signature without counting it;
services.signature_quarantine lets the committee release or reject it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from deliberate.models import HoldReason
from deliberate.services import signature_statements as statements


@dataclass(frozen=True)
class BurstLimits:
    """Signatures on one proposal per address or domain within ``window``; 0 = no limit."""

    per_ip: int = 0
    per_domain: int = 0
    window: timedelta = timedelta(hours=1)


def hold_reason(
    session: Session,
    proposal_id: int,
    *,
    ip: str | None,
    domain: str | None,
    now: datetime,
    limits: BurstLimits | None,
) -> HoldReason | None:
    """Why the next signature from ``ip`` / ``domain`` is held, or None when it counts.

    Every row signed within the window counts towards the limit, whatever became of it,
    so signing and withdrawing in a loop does not reset it. With a limit of 20, the
    first 20 signatures from one address count and the 21st is held.
    """
    if limits is None:
        return None
    since = now - limits.window
    checks = (
        (statements.RECENT_FROM_IP, ip, limits.per_ip, HoldReason.IP_BURST),
        (statements.RECENT_FROM_DOMAIN, domain, limits.per_domain, HoldReason.EMAIL_DOMAIN_BURST),
    )
    for recent_from, value, limit, reason in checks:
        if not limit or not value:
            continue
        # Counts at most ``limit`` rows: the cost stays flat however large the burst.
        params = {"proposal_id": proposal_id, "value": value, "since": since, "limit": limit}
        # On the connection: a plain count needs none of the ORM's execution machinery.
        if session.connection().execute(recent_from, params).scalar_one() >= limit:
            return reason
    return None
