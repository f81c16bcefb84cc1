"""The case for and against: the most endorsed visible arguments of each side.

Shown at the top of a proposal's or a vote's page and beside the ballot, drawn from one
discussion or from a proposal's and its referendum's together. Hidden contributions
never appear; ties go to the older argument.
"""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from deliberate.models import Contribution, Discussion, Proposal, Stance


@dataclass
class Case:
    """The most endorsed visible arguments of each side, for the top of a page or a ballot."""

    for_items: list[Contribution]
    against_items: list[Contribution]
    links: list[tuple[str, str]]  # (kind, public id) of the discussions it draws on

    @property
    def is_empty(self) -> bool:
        return not (self.for_items or self.against_items)


def case_for_and_against(session: Session, discussion_ids, n: int = 3) -> Case:
    """Top n endorsed, visible contributions per stance, over one or more discussions."""
    if isinstance(discussion_ids, int):
        discussion_ids = [discussion_ids]
    sides = {}
    for stance in (Stance.FOR, Stance.AGAINST):
        sides[stance] = list(
            session.scalars(
                select(Contribution)
                .where(
                    Contribution.discussion_id.in_(list(discussion_ids)),
                    Contribution.stance == stance,
                    Contribution.is_hidden.is_(False),
                )
                .order_by(
                    Contribution.endorsement_count.desc(),
                    Contribution.created_at,
                    Contribution.id,
                )
                .limit(n)
            )
        )
    return Case(sides[Stance.FOR], sides[Stance.AGAINST], [])


def case_for_subjects(
    session: Session,
    *,
    proposal_id: int | None = None,
    referendum_public_id: str | None = None,
    n: int = 3,
) -> Case:
    """The case for and against drawn from a proposal's and/or a referendum's discussion."""
    conditions = []
    if proposal_id is not None:
        conditions.append(Discussion.proposal_id == proposal_id)
    if referendum_public_id is not None:
        conditions.append(Discussion.referendum_public_id == referendum_public_id)
    links = []
    if proposal_id is not None:
        public_id = session.scalar(select(Proposal.public_id).where(Proposal.id == proposal_id))
        if public_id:
            links.append(("proposal", public_id))
    if referendum_public_id is not None:
        links.append(("referendum", referendum_public_id))
    if not conditions:
        return Case([], [], links)
    ids = list(session.scalars(select(Discussion.id).where(or_(*conditions))))
    case = case_for_and_against(session, ids, n=n) if ids else Case([], [], [])
    case.links = links
    return case
