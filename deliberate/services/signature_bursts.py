"""When a signature is held for a check instead of counted: a burst from one address (T32).

Counted per proposal, over every signature row of the last hour from the same IP
address or email domain, whatever became of it, so signing and withdrawing in a loop
does not reset it. The counts are read with the proposal, in the same statement
(services.signable_proposal, ``BurstCheck``): a signature in a surge pays no round
trip of its own for them. services.signing stores a held signature without counting
it; services.signature_quarantine lets the committee release or reject it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from deliberate.models import HoldReason, Signature

_signature = Signature.__table__


@dataclass(frozen=True)
class BurstLimits:
    """Signatures on one proposal per address or domain within ``window``; 0 = no limit."""

    per_ip: int = 0
    per_domain: int = 0
    window: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class BurstCheck:
    """What one signer's burst check asks: their address and email domain, at ``now``."""

    ip: str | None
    domain: str | None
    now: datetime
    limits: BurstLimits

    def params(self) -> dict:
        """The parameters of ``recent_from_columns``; no limit or no value counts nothing."""
        return {
            "burst_ip": self.ip,
            "burst_ip_limit": self.limits.per_ip if self.ip else 0,
            "burst_domain": self.domain,
            "burst_domain_limit": self.limits.per_domain if self.domain else 0,
            "burst_since": self.now - self.limits.window,
        }


# The signature's column, by the name of its parameters.
_KEYS = {"ip_address": "ip", "email_domain": "domain"}


def _recent_from(column: str, proposal_id, value=None):
    # Counts at most the limit's rows: the cost stays flat however large the burst.
    # Newest first, as the index of the address (or domain) holds them: with a bare
    # LIMIT, PostgreSQL's statistics made a scan of the table look cheaper whenever
    # the address was busy on other proposals (it expects to meet the limit's rows
    # early); in this order only the index gives them without sorting every match.
    recent = (
        select(_signature.c.id)
        .where(
            _signature.c[column]
            == (bindparam(f"burst_{_KEYS[column]}") if value is None else value),
            _signature.c.proposal_id == proposal_id,
            _signature.c.signed_at >= bindparam("burst_since"),
        )
        .correlate_except(_signature)
        .order_by(_signature.c.signed_at.desc())
        .limit(bindparam(f"burst_{_KEYS[column]}_limit"))
        .subquery()
    )
    return select(func.count()).select_from(recent).scalar_subquery()


def recent_from_columns(proposal_id, domain=None) -> tuple:
    """Two columns for a statement that reads the proposal ``proposal_id`` (a column).

    ``recent_from_ip`` and ``recent_from_domain``: the signature rows on it from the
    signer's address and domain since the window began, each counted up to its limit.
    Their parameters are ``BurstCheck.params()``; ``domain``, an expression of the same
    statement, takes the place of the ``burst_domain`` parameter.
    """
    return (
        _recent_from("ip_address", proposal_id).label("recent_from_ip"),
        _recent_from("email_domain", proposal_id, domain).label("recent_from_domain"),
    )


def hold_reason(
    recent_from_ip: int, recent_from_domain: int, limits: BurstLimits | None
) -> HoldReason | None:
    """Why the next signature is held, given the counts of ``recent_from_columns``.

    Every row signed within the window counts towards the limit, whatever became of it,
    so signing and withdrawing in a loop does not reset it. With a limit of 20, the
    first 20 signatures from one address count and the 21st is held.
    """
    if limits is None:
        return None
    if limits.per_ip and recent_from_ip >= limits.per_ip:
        return HoldReason.IP_BURST
    if limits.per_domain and recent_from_domain >= limits.per_domain:
        return HoldReason.EMAIL_DOMAIN_BURST
    return None
