"""Demo proposals for `flask seed-demo`: one in every state, with signature histories.

Rows are inserted in bulk (signatures, tallies, transitions) so seeding stays quick; the
stored counts and tallies are built from the same rows, so `proposals reconcile` finds
no drift in demo data.
"""

import json
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from deliberate.core import lifecycle
from deliberate.core.lifecycle import State
from deliberate.core.rules import (
    Consequence,
    Rulebook,
    Threshold,
    Tier,
    canonical_json,
    ruleset_hash,
)
from deliberate.models import (
    CoSponsor,
    LocalGroup,
    Member,
    MembershipStatus,
    Proposal,
    ProposalState,
    ProposalTextVersion,
    ProposalTransition,
    Role,
    RoleGrant,
    Signature,
    SignatureTally,
    ThresholdCrossing,
)
from deliberate.services import markdown, rulebook

S = State
# (state, title, signatures, days since signatures opened); None: never opened.
PLAN = [
    (S.DRAFT, "Solar panels on the office roof", 0, None),
    (S.SEEKING_COSPONSORS, "A members' newsletter in Welsh", 0, None),
    (S.AWAITING_COMMITTEE, "Open the accounts to every member", 0, None),
    (S.COLLECTING, "Free childcare at every branch meeting", 96, 40),
    (S.COLLECTING, "Move the annual conference to the north", 41, 12),
    (S.QUALIFIED, "A fair-pay pledge for our suppliers", 151, 30),
    (S.DELIBERATION, "Divest the pension fund from fossil fuels", 163, 55),
    (S.VOTING, "Term limits for committee members", 170, 70),
    (S.PASSED, "A code of conduct for online meetings", 180, 160),
    (S.FAILED, "Merge the Leeds and Bradford groups", 152, 150),
    (S.LAPSED, "A monthly members' phone-in", 37, 120),
    (S.WITHDRAWN, "Rename the organisation", 12, 20),
    (S.REJECTED, "Endorse a political party", 0, None),
]
PATHS = {
    S.DRAFT: [],
    S.SEEKING_COSPONSORS: [S.SEEKING_COSPONSORS],
    S.AWAITING_COMMITTEE: [S.SEEKING_COSPONSORS, S.AWAITING_COMMITTEE],
    S.REJECTED: [S.SEEKING_COSPONSORS, S.AWAITING_COMMITTEE, S.REJECTED],
    S.COLLECTING: [S.SEEKING_COSPONSORS, S.COLLECTING],
    S.LAPSED: [S.SEEKING_COSPONSORS, S.COLLECTING, S.LAPSED],
    S.WITHDRAWN: [S.SEEKING_COSPONSORS, S.COLLECTING, S.WITHDRAWN],
    S.QUALIFIED: [S.SEEKING_COSPONSORS, S.COLLECTING, S.QUALIFIED],
    S.DELIBERATION: [S.SEEKING_COSPONSORS, S.COLLECTING, S.QUALIFIED, S.DELIBERATION],
    S.VOTING: [S.SEEKING_COSPONSORS, S.COLLECTING, S.QUALIFIED, S.DELIBERATION, S.VOTING],
}
PATHS[S.PASSED] = PATHS[S.VOTING] + [S.PASSED]
PATHS[S.FAILED] = PATHS[S.VOTING] + [S.FAILED]
THRESHOLD = 150


def _demo_rules(session: Session, actor: Member, now: datetime):
    """Version 2: a campaign needs 150 signatures (100 for the committee to consider it)."""
    current = rulebook.current_version(session, now=now)
    book = rulebook.rulebook_of(current)
    campaign = book.rulesets["campaign"]
    tiers = (
        Tier(Threshold(count=100), Consequence.COMMITTEE_MUST_CONSIDER),
        Tier(Threshold(count=THRESHOLD), Consequence.QUALIFIES_FOR_VOTE),
    )
    new = Rulebook(
        {**book.rulesets, "campaign": replace(campaign, tiers=tiers, collection_days=90)}
    )
    version = rulebook.save_version(
        session,
        base_version=current.number,
        rulebook=new,
        reason="Demo: thresholds sized for an organisation of a few hundred members",
        actor=actor,
        now=now,
    )
    return version, new.rulesets["campaign"]


def _steps_at(state: State, opened: datetime | None, now: datetime) -> list[datetime]:
    start = (opened or now - timedelta(days=10)) - timedelta(days=4)
    return [start + timedelta(hours=6 * i) for i in range(len(PATHS[state]) + 1)]


def seed_proposals(session: Session, *, now: datetime, seed_value: int = 2017) -> int:
    """Create the demo proposals; returns how many signatures were made."""
    rng = random.Random(seed_value)
    committee = session.scalar(
        select(Member)
        .join(RoleGrant, RoleGrant.member_id == Member.id)
        .where(RoleGrant.role == Role.COMMITTEE)
        .limit(1)
    )
    version, rules = _demo_rules(session, committee, now)
    active = list(
        session.execute(
            select(Member.id, Member.local_group_id, Member.email).where(
                Member.status == MembershipStatus.ACTIVE
            )
        )
    )
    electorate = Counter()
    for _, group_id, _ in active:
        electorate[group_id] += 1
    names = {gid: name for gid, name in session.execute(select(LocalGroup.id, LocalGroup.name))}
    made = 0
    for state, title, count, days in PLAN:
        made += _one(session, rng, state, title, count, days, active, names, electorate,
                     version, rules, now)  # fmt: skip
    session.commit()
    return made


def _one(session, rng, state, title, count, days, active, names, electorate, version, rules, now):
    author_id, *_ = rng.choice(active)
    opened = now - timedelta(days=days) if days is not None else None
    body = f"## Why\n\nMembers asked for this: **{title.lower()}**.\n\n- It is fair\n- It is cheap"
    frozen = state is not S.DRAFT
    proposal = Proposal(
        kind="campaign",
        title=title,
        summary=f"We propose: {title.lower()}.",
        body=body,
        body_html=markdown.render(body),
        author_id=author_id,
        state=ProposalState(state.value),
        rulebook_version_id=version.id if frozen else None,
        ruleset_json=canonical_json(rules) if frozen else None,
        ruleset_hash=ruleset_hash(rules) if frozen else None,
        created_at=(opened or now) - timedelta(days=6),
        registered_at=(opened or now) - timedelta(days=5) if frozen else None,
    )
    if opened is not None:
        proposal.signatures_open_at = opened
        proposal.collection_closes_at = lifecycle.collection_closes(rules, opened)
        proposal.electorate_size = len(active)
        proposal.electorate_json = json.dumps(
            {names[g]: n for g, n in electorate.items() if g in names}, sort_keys=True
        )
    if state is S.AWAITING_COMMITTEE:
        proposal.committee_deadline_at = now + timedelta(days=9)
    if state is S.REJECTED:
        proposal.rejection_reason = "Our rules forbid endorsing a political party."
    session.add(proposal)
    session.flush()
    session.add(
        ProposalTextVersion(
            proposal_id=proposal.id, number=1, title=title, summary=proposal.summary,
            body=body, body_html=proposal.body_html, created_at=proposal.created_at,
        )
    )  # fmt: skip
    _history(session, proposal, state, opened, now, rules)
    if frozen:
        others = [m for m in active if m[0] != author_id]
        for member_id, *_ in rng.sample(others, 3 if state is not S.SEEKING_COSPONSORS else 1):
            session.add(CoSponsor(proposal_id=proposal.id, member_id=member_id, text_version=1,
                                  created_at=proposal.registered_at))  # fmt: skip
    return _signatures(session, rng, proposal, state, count, opened, active, now)


def _history(session, proposal, state, opened, now, rules):
    previous = None
    steps = [S.DRAFT] + PATHS[state]
    times = _steps_at(state, opened, now)
    if opened is not None:
        times[steps.index(S.COLLECTING)] = opened
        for i in range(steps.index(S.COLLECTING) + 1, len(steps)):
            times[i] = opened + timedelta(days=max(1, (now - opened).days - 3 + i))
            times[i] = min(times[i], now - timedelta(hours=len(steps) - i))
    rows = []
    for target, at in zip(steps, times, strict=False):
        rows.append({"proposal_id": proposal.id, "from_state": previous,
                     "to_state": ProposalState(target.value), "at": at,
                     "cause": "Demo history", "actor_id": None})  # fmt: skip
        previous = ProposalState(target.value)
        if target is S.QUALIFIED:
            proposal.qualified_at = at
            proposal.deliberation_ends_at = lifecycle.deliberation_ends(rules, at)
            if state is S.DELIBERATION:
                proposal.deliberation_ends_at = now + timedelta(days=5)
        if target in lifecycle.FINAL:
            proposal.closed_at = at
    session.execute(insert(ProposalTransition), rows)


def _signatures(session, rng, proposal, state, count, opened, active, now) -> int:
    if not count or opened is None:
        return 0
    end = min(now, proposal.qualified_at or proposal.closed_at or now)
    span = max((end - opened).total_seconds(), 3600)
    signers = rng.sample(active, min(count, len(active)))
    times = sorted(opened + timedelta(seconds=span * rng.random() ** 1.6) for _ in signers)
    rows, tally = [], Counter()
    for (member_id, group_id, email), at in zip(signers, times, strict=True):
        ip = f"198.51.100.{rng.randint(1, 254)}"
        rows.append({"proposal_id": proposal.id, "member_id": member_id,
                     "local_group_id": group_id, "is_name_public": rng.random() < 0.6,
                     "signed_at": at, "ip_address": ip,
                     "email_domain": email.rpartition("@")[2]})  # fmt: skip
        tally[(group_id or 0, at.date())] += 1
    session.execute(insert(Signature), rows)
    session.execute(
        insert(SignatureTally),
        [{"proposal_id": proposal.id, "group_key": g, "day": d, "count": n}
         for (g, d), n in tally.items()],
    )  # fmt: skip
    proposal.signature_count = len(rows)
    for index, required in enumerate((100, THRESHOLD)):
        if len(rows) >= required:
            session.add(ThresholdCrossing(proposal_id=proposal.id, tier_index=index,
                                          crossed_at=times[required - 1],
                                          signature_count=required))  # fmt: skip
    return len(rows)
