"""The organisation's history as the feasibility what-ifs see it: past proposals (final
signatures, days, groups) and past referendums (electorate and votes)."""

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deliberate.core.rules import PastProposal, PastReferendum
from deliberate.models import (
    Ballot,
    LocalGroup,
    Proposal,
    ProposalState,
    Referendum,
    ReferendumKind,
    ReferendumState,
    SignatureTally,
    VoteMethod,
)

# States a proposal reaches only after its collection has finished.
FINISHED = (
    ProposalState.QUALIFIED,
    ProposalState.LAPSED,
    ProposalState.DELIBERATION,
    ProposalState.VOTING,
    ProposalState.PASSED,
    ProposalState.FAILED,
)


def past_proposals(session: Session) -> tuple[PastProposal, ...]:
    """Every proposal that finished collecting, oldest first, from stored counts and tallies."""
    rows = session.execute(
        select(Proposal)
        .where(Proposal.state.in_(FINISHED), Proposal.signatures_open_at.is_not(None))
        .order_by(Proposal.signatures_open_at, Proposal.id)
    ).scalars()
    proposals = list(rows)
    groups: dict[int, dict[str, int]] = defaultdict(dict)
    for proposal_id, name, total in session.execute(
        select(SignatureTally.proposal_id, LocalGroup.name, func.sum(SignatureTally.count))
        .join(LocalGroup, LocalGroup.id == SignatureTally.group_key)
        .where(SignatureTally.proposal_id.in_([p.id for p in proposals]))
        .group_by(SignatureTally.proposal_id, LocalGroup.name)
    ):
        groups[proposal_id][name] = int(total or 0)
    past = []
    for proposal in proposals:
        ended = proposal.qualified_at or proposal.closed_at or proposal.collection_closes_at
        days = max(1, (ended - proposal.signatures_open_at).days) if ended else 1
        past.append(PastProposal(proposal.signature_count, days, groups.get(proposal.id, {})))
    return tuple(past)


def past_referendums(session: Session) -> tuple[PastReferendum, ...]:
    """Every closed yes/no referendum, oldest first: electorate and the votes cast."""
    closed = session.scalars(
        select(Referendum)
        .where(
            Referendum.state == ReferendumState.CLOSED,
            Referendum.method == VoteMethod.YES_NO,
            Referendum.kind == ReferendumKind.REFERENDUM,
        )
        .order_by(Referendum.closed_at, Referendum.id)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for referendum_id, choice, n in session.execute(
        select(Ballot.referendum_id, Ballot.choice, func.count())
        .where(Ballot.referendum_id.in_([r.id for r in closed]))
        .group_by(Ballot.referendum_id, Ballot.choice)
    ):
        counts[referendum_id][choice] = n
    return tuple(
        PastReferendum(
            r.electorate_size or 0,
            counts[r.id].get("yes", 0),
            counts[r.id].get("no", 0),
            counts[r.id].get("abstain", 0),
        )
        for r in closed
    )
