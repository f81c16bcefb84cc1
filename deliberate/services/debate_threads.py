"""Reading a discussion: one page of threads, arranged for display, and past revisions.

A page costs a fixed number of queries however many replies its threads hold.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from deliberate.core import debate as rules
from deliberate.core.errors import NotFoundError, ValidationError
from deliberate.models import (
    Contribution,
    ContributionRevision,
    Discussion,
    Endorsement,
    Flag,
    Member,
)

PER_PAGE = 50
SORTS = ("endorsed", "newest")


@dataclass
class Node:
    """A contribution as shown: its replies, and whom it answers when flattened."""

    item: Contribution
    depth: int = 0
    replies: list["Node"] = field(default_factory=list)
    answers: Member | None = None  # set when the displayed parent is not the real one


@dataclass
class ThreadPage:
    """One page of top-level contributions with all their replies; fits the pager macro."""

    nodes: list[Node]
    page: int
    pages: int
    total: int
    endorsed_ids: set[int]
    flagged_ids: set[int]

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# Authors and their roles in the same query, so a page costs the same number of queries
# whichever members wrote it.
_WITH_AUTHOR = joinedload(Contribution.author).joinedload(Member.role_grants)


def thread(
    session: Session,
    discussion: Discussion | None,
    *,
    sort: str = "endorsed",
    page: int = 1,
    viewer_id: int | None = None,
    per_page: int = PER_PAGE,
) -> ThreadPage:
    """A page of threads in a fixed number of queries, however many replies they hold."""
    if sort not in SORTS:
        raise ValidationError(_l("Sort by 'endorsed' or 'newest'."), field="sort")
    if discussion is None:
        return ThreadPage([], 1, 1, 0, set(), set())
    top = select(Contribution).where(
        Contribution.discussion_id == discussion.id, Contribution.parent_id.is_(None)
    )
    total = session.scalar(select(func.count()).select_from(top.subquery())) or 0
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise NotFoundError(_l("There is no such page."))
    order = (
        (Contribution.endorsement_count.desc(), Contribution.created_at.desc())
        if sort == "endorsed"
        else (Contribution.created_at.desc(),)
    )
    roots = (
        session.scalars(
            top.options(_WITH_AUTHOR)
            .order_by(*order, Contribution.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        .unique()
        .all()
    )
    root_ids = [c.id for c in roots]
    replies = (
        session.scalars(
            select(Contribution)
            .options(_WITH_AUTHOR)
            .where(Contribution.root_id.in_(root_ids))
            .order_by(Contribution.created_at, Contribution.id)
        )
        .unique()
        .all()
    )
    every = [*roots, *replies]
    ids = [c.id for c in every]
    endorsed, flagged = set(), set()
    if viewer_id is not None and ids:
        endorsed = set(
            session.scalars(
                select(Endorsement.contribution_id).where(
                    Endorsement.member_id == viewer_id, Endorsement.contribution_id.in_(ids)
                )
            )
        )
        flagged = set(
            session.scalars(
                select(Flag.contribution_id).where(
                    Flag.member_id == viewer_id, Flag.contribution_id.in_(ids)
                )
            )
        )
    return ThreadPage(_arrange(roots, replies), page, pages, total, endorsed, flagged)


def _arrange(roots: list[Contribution], replies: list[Contribution]) -> list[Node]:
    nodes = {c.id: Node(c) for c in [*roots, *replies]}
    placed = rules.place([(c.id, c.parent_id) for c in [*roots, *replies]])
    for reply in replies:
        where = placed[reply.id]
        node = nodes[reply.id]
        node.depth = where.display_depth
        if where.display_parent_id != reply.parent_id:
            node.answers = nodes[reply.parent_id].item.author
        nodes[where.display_parent_id].replies.append(node)
    return [nodes[c.id] for c in roots]


def revisions(session: Session, contribution: Contribution) -> list[ContributionRevision]:
    """Every earlier text of a contribution, newest first."""
    return list(
        session.scalars(
            select(ContributionRevision)
            .where(ContributionRevision.contribution_id == contribution.id)
            .order_by(ContributionRevision.number.desc())
        )
    )
