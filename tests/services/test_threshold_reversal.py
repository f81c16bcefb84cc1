"""A reached tier resting on signatures later invalidated is undone before the vote.

The proposal is judged again as the rules would have judged it without them: back to
collecting in the window and electorate it opened with, or lapsed once that window has
closed. From voting on, the vote stands. A reversed tier met again is crossed again,
once (I9).
"""

import json
from datetime import timedelta

from sqlalchemy import select

from deliberate.core.rules import Consequence, Threshold, Tier
from deliberate.core.rules.threshold import Distribution
from deliberate.models import (
    AuditEntry,
    Member,
    Notification,
    Proposal,
    ProposalState,
    ProposalTransition,
    Signature,
    ThresholdCrossing,
)
from deliberate.services import (
    invariants,
    proposal_progress,
    proposals,
    signature_checks,
    signature_invalidations,
    signature_quarantine,
    signing,
)
from deliberate.services.signature_bursts import BurstLimits
from deliberate.services.signature_checks import Condition
from tests.proposal_builders import NOW, add_group, add_members, proposal, ruleset

BOT_IP, HOME_IP, OFFICE_IP = "203.0.113.9", "198.51.100.7", "192.0.2.44"
LATER = NOW + timedelta(hours=1)


def signed(session, p, count: int, *, ip: str, prefix: str, now=NOW) -> list[int]:
    ids = add_members(session, count, prefix=prefix)
    for member_id in ids:
        signing.sign(
            session, proposal_id=p.id, member_id=member_id, show_name=False, ip=ip, now=now
        )
    return ids


def invalidate_bots(session, expected: int, now=LATER):
    (chair_id,) = add_members(session, 1, prefix=f"chair{now.timestamp():.0f}")
    return signature_checks.invalidate(
        session,
        condition=Condition("ip", BOT_IP),
        reason="A bot farm",
        expected=expected,
        actor=session.get(Member, chair_id),
        now=now,
    )


def fresh(session, p) -> Proposal:
    session.expire_all()
    return session.get(Proposal, p.id)


def crossings(session, p) -> list[tuple[int, bool]]:
    rows = session.scalars(
        select(ThresholdCrossing)
        .where(ThresholdCrossing.proposal_id == p.id)
        .order_by(ThresholdCrossing.tier_index)
    )
    return [(c.tier_index, c.reversed_at is not None) for c in rows]


def audit(session, action: str) -> list[dict]:
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    )
    return [json.loads(entry.payload_json) for entry in entries]


def problems(session) -> dict[str, list[str]]:
    return {name: found for name, found in invariants.check_all(session).checks if found}


def considered_at_2_voted_at(vote_count: int):
    """Rules with two tiers: the committee considers at 2 signatures; a vote at more."""
    return ruleset(
        tiers=(
            Tier(Threshold(count=2), Consequence.COMMITTEE_MUST_CONSIDER),
            Tier(Threshold(count=vote_count), Consequence.QUALIFIES_FOR_VOTE),
        )
    )


def qualified_by_bots(session, **rules):
    """A vote proposal of threshold 5 that 2 members and 3 bots took into deliberation."""
    p = proposal(session, ruleset(threshold=5, **rules))
    signed(session, p, 2, ip=HOME_IP, prefix="home")
    bots = signed(session, p, 3, ip=BOT_IP, prefix="bot")
    assert fresh(session, p).state == ProposalState.DELIBERATION
    return p, bots


def test_invalidation_below_the_vote_tier_reopens_collection_in_the_same_window(session):
    p, bots = qualified_by_bots(session)
    before = fresh(session, p)
    window = (before.signatures_open_at, before.collection_closes_at, before.electorate_size)

    result = invalidate_bots(session, expected=3)

    after = fresh(session, p)
    assert after.state == ProposalState.COLLECTING
    assert (after.signatures_open_at, after.collection_closes_at, after.electorate_size) == window
    assert after.qualified_at is None and after.deliberation_ends_at is None
    assert crossings(session, p) == [(0, True)]
    assert proposals.crossings_count(session, p.id) == 0
    (reversal,) = result.reversals
    assert (reversal.reversed, reversal.step) == ((1,), proposals.State.COLLECTING)
    (entry,) = audit(session, "proposal.threshold_reversed")
    assert entry == {"proposal": p.public_id, "tiers": [1], "signatures": 2, "to": "collecting"}
    causes = session.scalars(
        select(ProposalTransition.cause)
        .where(ProposalTransition.proposal_id == p.id)
        .order_by(ProposalTransition.id.desc())
    ).first()
    assert causes.startswith("Signatures invalidated")
    told = set(
        session.scalars(select(Notification.member_id).where(Notification.text.like("%again%")))
    )
    assert p.author_id in told and not told & set(bots)  # struck-out signers are not told
    assert len(told) == 3  # the author and the two members whose signatures count
    assert problems(session) == {}


def test_a_reversed_tier_met_again_is_crossed_again_once(session):
    p, _ = qualified_by_bots(session)
    invalidate_bots(session, expected=3)
    signed(session, p, 2, ip=HOME_IP, prefix="late", now=LATER)
    assert fresh(session, p).state == ProposalState.COLLECTING  # 4 of 5
    signed(session, p, 1, ip=HOME_IP, prefix="later", now=LATER + timedelta(minutes=1))

    again = fresh(session, p)
    assert again.state == ProposalState.DELIBERATION
    assert again.qualified_at == LATER + timedelta(minutes=1)
    (crossing,) = session.scalars(
        select(ThresholdCrossing).where(ThresholdCrossing.proposal_id == p.id)
    )
    assert (crossing.reversed_at, crossing.signature_count) == (None, 5)
    assert len(audit(session, "proposal.threshold_crossed")) == 2
    assert problems(session) == {}


def test_restoring_the_batch_while_collecting_qualifies_it_again(session):
    p, _ = qualified_by_bots(session)
    invalidate_bots(session, expected=3)
    (chair_id,) = add_members(session, 1, prefix="restorer")
    seq = session.scalar(
        select(AuditEntry.seq).where(AuditEntry.action == "signatures.invalidated")
    )
    restored = signature_invalidations.restore(
        session, seq=seq, reason="Checked by phone", actor=session.get(Member, chair_id),
        now=LATER + timedelta(minutes=5),
    )  # fmt: skip
    assert restored.tiers_crossed == (f"{p.public_id} tier 1",)
    assert fresh(session, p).state == ProposalState.DELIBERATION
    assert crossings(session, p) == [(0, False)]


def restore_the_batch(session, now):
    (chair_id,) = add_members(session, 1, prefix=f"restorer{now.timestamp():.0f}")
    seq = session.scalar(
        select(AuditEntry.seq)
        .where(AuditEntry.action == "signatures.invalidated")
        .order_by(AuditEntry.seq.desc())
    )
    return signature_invalidations.restore(
        session, seq=seq, reason="Mistake", actor=session.get(Member, chair_id), now=now
    )


def test_after_the_window_closed_the_proposal_lapses(session):
    p, _ = qualified_by_bots(session, deliberation_days=60)
    closed = NOW + timedelta(days=31)  # the 30-day window is over, deliberation is not

    result = invalidate_bots(session, expected=3, now=closed)

    lapsed = fresh(session, p)
    assert (lapsed.state, lapsed.closed_at) == (ProposalState.LAPSED, closed)
    assert result.reversals[0].step is proposals.State.LAPSED
    assert problems(session) == {}


def test_restoring_the_batch_a_lapse_followed_undoes_the_lapse(session):
    p, _ = qualified_by_bots(session, deliberation_days=60)
    closed = NOW + timedelta(days=31)
    invalidate_bots(session, expected=3, now=closed)
    restored_at = closed + timedelta(hours=1)

    result = restore_the_batch(session, restored_at)

    again = fresh(session, p)
    assert result.revived == (p.public_id,)
    assert again.signature_count == 5
    assert (again.state, again.closed_at) == (ProposalState.DELIBERATION, None)
    # Deliberation starts afresh: the members get the whole of it.
    assert again.qualified_at == restored_at
    assert again.deliberation_ends_at == restored_at + timedelta(days=60)
    assert crossings(session, p) == [(0, False)]
    (entry,) = audit(session, "proposal.lapse_undone")
    assert entry == {"proposal": p.public_id, "signatures": 5}
    (restore_entry,) = audit(session, "signatures.restored")
    assert restore_entry["revived"] == [p.public_id]
    steps = session.scalars(
        select(ProposalTransition.to_state)
        .where(ProposalTransition.proposal_id == p.id)
        .order_by(ProposalTransition.id)
    ).all()
    assert steps[-3:] == [ProposalState.LAPSED, ProposalState.QUALIFIED, ProposalState.DELIBERATION]
    assert problems(session) == {}


def test_a_lapse_stays_when_the_restored_signatures_still_fall_short(session):
    p = proposal(session, ruleset(threshold=5, deliberation_days=60))
    signed(session, p, 2, ip=HOME_IP, prefix="home")
    signed(session, p, 1, ip=OFFICE_IP, prefix="office")
    signed(session, p, 2, ip=BOT_IP, prefix="bot")
    assert fresh(session, p).state == ProposalState.DELIBERATION
    closed = NOW + timedelta(days=31)
    invalidate_bots(session, expected=2, now=closed)
    (chair_id,) = add_members(session, 1, prefix="second")
    signature_checks.invalidate(
        session, condition=Condition("ip", OFFICE_IP), reason="Not members", expected=1,
        actor=session.get(Member, chair_id), now=closed + timedelta(minutes=5),
    )  # fmt: skip
    bots_batch = session.scalar(
        select(AuditEntry.seq)
        .where(AuditEntry.action == "signatures.invalidated")
        .order_by(AuditEntry.seq)
    )

    result = signature_invalidations.restore(
        session, seq=bots_batch, reason="An office after all", now=closed + timedelta(hours=1),
        actor=session.get(Member, chair_id),
    )  # fmt: skip

    still = fresh(session, p)
    assert (still.state, still.signature_count) == (ProposalState.LAPSED, 4)  # 4 of 5
    assert result.revived == ()
    assert audit(session, "proposal.lapse_undone") == []


def test_signatures_struck_out_while_collecting_and_restored_after_the_lapse_revive_it(session):
    """It never showed 5 at once, but 5 valid signatures were given in its window."""
    p = proposal(session, ruleset(threshold=5))
    signed(session, p, 3, ip=HOME_IP, prefix="home")
    signed(session, p, 1, ip=BOT_IP, prefix="bot")
    invalidate_bots(session, expected=1)  # 3 of 5, still collecting: nothing to reverse
    signed(session, p, 1, ip=HOME_IP, prefix="late", now=LATER)  # 4 of 5
    closed = NOW + timedelta(days=31)
    proposals.advance_due(session, now=closed)
    assert fresh(session, p).state == ProposalState.LAPSED  # closed short, as the count said

    result = restore_the_batch(session, closed + timedelta(hours=1))

    assert result.revived == (p.public_id,)
    assert result.tiers_crossed == (f"{p.public_id} tier 1",)
    assert fresh(session, p).state == ProposalState.DELIBERATION
    assert problems(session) == {}


def test_held_signatures_released_after_the_lapse_revive_it(session):
    p = proposal(session, ruleset(threshold=5))
    signed(session, p, 3, ip=HOME_IP, prefix="home")
    for member_id in add_members(session, 3, prefix="burst"):
        signing.sign(
            session, proposal_id=p.id, member_id=member_id, show_name=False, ip=BOT_IP,
            now=NOW, limits=BurstLimits(per_ip=1),
        )  # fmt: skip
    closed = NOW + timedelta(days=31)
    proposals.advance_due(session, now=closed)
    lapsed = fresh(session, p)
    assert (lapsed.state, lapsed.signature_count) == (ProposalState.LAPSED, 4)  # two held
    held = session.scalars(select(Signature.id).where(Signature.quarantined_at.is_not(None)))
    (chair_id,) = add_members(session, 1, prefix="releaser")

    result = signature_quarantine.release(
        session, signature_ids=list(held), actor=session.get(Member, chair_id),
        now=closed + timedelta(hours=1),
    )  # fmt: skip

    assert result.revived == (p.public_id,)
    assert fresh(session, p).state == ProposalState.DELIBERATION
    (entry,) = audit(session, "signatures.released")
    assert entry["revived"] == [p.public_id]
    assert problems(session) == {}


def test_a_lower_tier_still_met_stays_reached_when_only_the_vote_tier_is_lost(session):
    p = proposal(session, considered_at_2_voted_at(5))
    signed(session, p, 2, ip=HOME_IP, prefix="home")
    signed(session, p, 3, ip=BOT_IP, prefix="bot")
    result = invalidate_bots(session, expected=3)
    assert result.tiers_no_longer_met == (f"{p.public_id} tier 2",)
    assert crossings(session, p) == [(0, False), (1, True)]
    assert fresh(session, p).state == ProposalState.COLLECTING
    tiers = proposal_progress.progress(session, fresh(session, p), LATER).tiers
    assert [(t.is_met, t.reversed_at is not None) for t in tiers] == [(True, False), (False, True)]


def test_once_voting_has_opened_the_vote_stands(session):
    p, _ = qualified_by_bots(session, deliberation_days=2)
    voting = NOW + timedelta(days=3)
    proposals.advance_due(session, now=voting)
    assert fresh(session, p).state == ProposalState.VOTING

    result = invalidate_bots(session, expected=3, now=voting + timedelta(hours=1))

    assert fresh(session, p).state == ProposalState.VOTING
    assert crossings(session, p) == [(0, False)]
    (reversal,) = result.reversals
    assert (reversal.reversed, reversal.unmet, reversal.step) == ((), (1,), None)
    assert audit(session, "proposal.threshold_reversed") == []
    (tier,) = proposal_progress.progress(session, fresh(session, p), voting).tiers
    assert tier.crossed_at is not None and tier.is_no_longer_met


def test_the_preview_forecasts_what_the_invalidation_then_does(session):
    p, _ = qualified_by_bots(session)
    by_bot_ip = Condition("ip", BOT_IP)

    (forecast,) = signature_checks.preview_effects(session, by_bot_ip, now=LATER)
    assert fresh(session, p).state == ProposalState.DELIBERATION  # a preview changes nothing
    assert crossings(session, p) == [(0, False)]
    (done,) = invalidate_bots(session, expected=3).reversals

    assert forecast == done
    assert (forecast.reversed, forecast.step) == ((1,), proposals.State.COLLECTING)


def test_the_preview_forecasts_nothing_when_the_tiers_still_hold(session):
    p = proposal(session, considered_at_2_voted_at(10))
    signed(session, p, 3, ip=HOME_IP, prefix="home")
    signed(session, p, 2, ip=BOT_IP, prefix="bot")
    assert crossings(session, p) == [(0, False)]
    assert signature_checks.preview_effects(session, Condition("ip", BOT_IP), now=LATER) == []


def test_the_forecast_takes_the_signatures_from_their_own_local_group(session):
    north, south = add_group(session, "North"), add_group(session, "South")
    homes = add_members(session, 2, prefix="home", group_id=north)
    (bot,) = add_members(session, 1, prefix="bot", group_id=south)
    add_members(session, 2, prefix="southerner", group_id=south)
    spread = Distribution(groups_needed=2, minimum=Threshold(count=1))
    rules = ruleset(
        tiers=(Tier(Threshold(count=2), Consequence.QUALIFIES_FOR_VOTE, distribution=spread),)
    )
    p = proposal(session, rules)
    for member_id, ip in ((homes[0], HOME_IP), (homes[1], HOME_IP), (bot, BOT_IP)):
        signing.sign(session, proposal_id=p.id, member_id=member_id, show_name=False, ip=ip,
                     now=NOW)  # fmt: skip
    assert fresh(session, p).state == ProposalState.DELIBERATION  # 3 signatures, 2 groups

    (forecast,) = signature_checks.preview_effects(session, Condition("ip", BOT_IP), now=LATER)

    # Two signatures would be left, enough by count, but only North would have signed.
    assert (forecast.reversed, forecast.step) == ((1,), proposals.State.COLLECTING)
