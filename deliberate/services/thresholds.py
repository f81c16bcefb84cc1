"""Thresholds: which tiers a proposal's valid signatures meet, claimed once, fired once.

The stored count and the per-group tally (services.signing keeps them exact) are read
against the rules and the electorate frozen when signatures opened. A newly met tier is
claimed by inserting its ThresholdCrossing row; the UNIQUE(proposal_id, tier_index)
lets only one transaction ever claim it, and only the claimant fires the consequence:
the audit entry, the notice and the state step the rules give it. A crossing undone
by invalidated signatures (services.threshold_reversal) is claimed again the same way.
"""

import json
from collections.abc import Mapping
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deliberate.core import lifecycle
from deliberate.core.lifecycle import State
from deliberate.core.rules import (
    SignatureStatus,
    describe_tier,
    evaluate_signatures,
    fewest_signatures_to_meet_a_tier,
)
from deliberate.i18n import lazy
from deliberate.models import LocalGroup, Proposal, SignatureTally, ThresholdCrossing
from deliberate.services import audit_log, notifications, proposals


def by_group(session: Session, proposal_id: int) -> dict[str, int]:
    """Valid signatures per local group name, from the tally (never row by row)."""
    rows = session.execute(
        select(LocalGroup.name, func.sum(SignatureTally.count))
        .join(LocalGroup, LocalGroup.id == SignatureTally.group_key)
        .where(SignatureTally.proposal_id == proposal_id)
        .group_by(LocalGroup.name)
    )
    return {name: int(total or 0) for name, total in rows}


def status(
    session: Session, proposal: Proposal, *, without: Mapping[str | None, int] | None = None
) -> SignatureStatus | None:
    """Every tier against the stored count and the electorate frozen at opening.

    ``without`` takes signatures away first, per local group name (None: no group), to
    see what the tiers would be if they were struck out.
    """
    ruleset = proposals.frozen_ruleset(proposal)
    if ruleset is None or proposal.electorate_size is None:
        return None
    members = json.loads(proposal.electorate_json or "{}")
    without = without or {}
    groups = {
        name: n - without.get(name, 0)
        for name, n in by_group(session, proposal.id).items()
        if name in members
    }
    total = max(proposal.signature_count - sum(without.values()), sum(groups.values()))
    return evaluate_signatures(ruleset, total, groups, members, proposal.electorate_size)


def _claim(session: Session, proposal: Proposal, index: int, now: datetime) -> bool:
    """Insert the tier's crossing; False when another transaction already holds it.

    A crossing reversed by an invalidation (services.threshold_reversal) is claimed
    again by one conditional UPDATE, so it too is claimed by one transaction only.
    """
    revived = session.execute(
        update(ThresholdCrossing)
        .where(
            ThresholdCrossing.proposal_id == proposal.id,
            ThresholdCrossing.tier_index == index,
            ThresholdCrossing.reversed_at.is_not(None),
        )
        .values(reversed_at=None, crossed_at=now, signature_count=proposal.signature_count)
    )
    if revived.rowcount == 1:
        return True
    try:
        with session.begin_nested():
            session.add(
                ThresholdCrossing(
                    proposal_id=proposal.id,
                    tier_index=index,
                    crossed_at=now,
                    signature_count=proposal.signature_count,
                )
            )
    except IntegrityError:
        return False
    return True


def _fire(session: Session, proposal: Proposal, index: int, now: datetime, base_url: str):
    """The consequence of tier ``index``: audit, notice, and the state step it brings."""
    ruleset = proposals.frozen_ruleset(proposal)
    tier = ruleset.tiers[index]
    audit_log.record(
        session,
        actor=None,
        action="proposal.threshold_crossed",
        payload={
            "proposal": proposal.public_id,
            "tier": index + 1,
            "signatures": proposal.signature_count,
        },
        now=now,
    )
    step = lifecycle.after_crossing(ruleset, index)
    if step is not None and proposals.state_of(proposal) is State.COLLECTING:
        # The step's own notice ("your proposal qualified") tells the author.
        proposals.transition(session, proposal, step, now=now, base_url=base_url)
        proposals.advance(session, proposal, now=now, base_url=base_url)
        return
    notifications.notify(
        session,
        member_ids=[proposal.author_id],
        kind="own_qualified",
        text=_l(
            "“%(title)s” reached tier %(n)s: %(tier)s",
            title=proposal.title,
            n=index + 1,
            tier=lazy(describe_tier(tier)),
        ),
        now=now,
        proposal_id=proposal.id,
        path=proposals.path_of(proposal),
        base_url=base_url,
    )


def evaluate_tiers(
    session: Session, proposal: Proposal, *, now: datetime, base_url: str = ""
) -> tuple[int, ...]:
    """Claim and fire every newly met tier; returns the tiers (1-based) this call fired."""
    if not could_meet_a_tier(proposal, proposal.signature_count):
        return ()  # below every tier's count: the per-group tally need not be read
    current = status(session, proposal)
    if current is None or not any(tier.is_met for tier in current.tiers):
        return ()  # the common case, under the write lock: no query for the crossings
    held = set(
        session.scalars(
            select(ThresholdCrossing.tier_index).where(
                ThresholdCrossing.proposal_id == proposal.id,
                ThresholdCrossing.reversed_at.is_(None),
            )
        )
    )
    fired = []
    for index, tier in enumerate(current.tiers):
        if tier.is_met and index not in held and _claim(session, proposal, index, now):
            fired.append(index)
    for index in fired:
        _fire(session, proposal, index, now, base_url)
    return tuple(index + 1 for index in fired)


def fewest_to_meet_a_tier(proposal: Proposal) -> int | None:
    """No tier of the proposal can be met with fewer signatures; None: none can be met."""
    ruleset = proposals.frozen_ruleset(proposal)
    if ruleset is None or proposal.electorate_size is None:
        return None
    return fewest_signatures_to_meet_a_tier(ruleset, proposal.electorate_size)


def could_meet_a_tier(proposal: Proposal, count: int) -> bool:
    fewest = fewest_to_meet_a_tier(proposal)
    return fewest is not None and count >= fewest
