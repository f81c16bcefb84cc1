"""Committee use cases on the membership: status changes and roles. Every one is audited."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from deliberate.core.errors import ConflictError, NotFoundError, ValidationError
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.labels import lazy_label
from deliberate.models import Member, MembershipStatus, Role, RoleGrant, StatusChange
from deliberate.services import audit_log


def get_member(session: Session, public_id: str, *, for_update: bool = False) -> Member:
    """The member with this public id, or NotFoundError; ``for_update`` locks the row."""
    query = select(Member).where(Member.public_id == public_id)
    if for_update:
        # Reloaded under the lock (PostgreSQL; SQLite holds its write lock already), so
        # a decision rests on the status as it is, not as an earlier read saw it. NO KEY
        # UPDATE: rows that merely refer to this member (an audit entry naming it as the
        # actor) still go in, so two committee members acting on each other never deadlock.
        query = query.with_for_update(of=Member, key_share=True).execution_options(
            populate_existing=True
        )
    member = session.execute(query).scalar_one_or_none()
    if member is None:
        raise NotFoundError(_l("There is no such member."))
    return member


def change_status(
    session: Session,
    *,
    member_public_id: str,
    new_status: MembershipStatus,
    reason: str,
    effective_on: date,
    actor: Member,
    now: datetime,
    seen_status: MembershipStatus | None = None,
) -> StatusChange:
    """Record a status change with its date and stated reason.

    ``seen_status`` is the status the committee member's page showed. If someone else
    changed it since, nothing is saved and ConflictError says so (T11); None skips the
    check, for callers that act without a page.
    """
    begin_write(session)
    member = get_member(session, member_public_id, for_update=True)
    if seen_status is not None and seen_status != member.status:
        raise ConflictError(
            _l(
                "Someone else changed this membership while you were looking (now "
                "“%(status)s”). Nothing was saved; check the history and decide again.",
                status=lazy_label(member.status),
            )
        )
    reason = clean_line(reason)
    if not reason:
        raise ValidationError(_l("State the reason for the change."))
    if member.status == new_status:
        raise ValidationError(
            _l("The membership is already “%(status)s”.", status=lazy_label(new_status))
        )
    change = StatusChange(
        member_id=member.id,
        old_status=member.status,
        new_status=new_status,
        effective_on=effective_on,
        reason=reason,
        changed_at=now,
        changed_by_id=actor.id,
    )
    session.add(change)
    audit_log.record(
        session,
        actor=actor,
        action="member.status_changed",
        payload={
            "member": member.public_id,
            "from": member.status.value,
            "to": new_status.value,
            "effective_on": effective_on.isoformat(),
            "reason": reason,
        },
        now=now,
    )
    member.status = new_status
    session.commit()
    return change


def _committee_count(session: Session) -> int:
    """How many hold the committee role, with their grants locked (PostgreSQL).

    Two committee members removing each other at the same moment would otherwise both
    count two and leave none; the second now waits, then counts what the first left.
    """
    grants = session.scalars(
        select(RoleGrant.id).where(RoleGrant.role == Role.COMMITTEE).with_for_update()
    )
    return len(grants.all())


def _grant_of(session: Session, member: Member, role: Role) -> RoleGrant | None:
    """The member's grant of ``role`` as stored now (read under the member's row lock)."""
    return session.scalar(
        select(RoleGrant).where(RoleGrant.member_id == member.id, RoleGrant.role == role)
    )


def grant_role(
    session: Session, *, member_public_id: str, role: Role, actor: Member, now: datetime
) -> None:
    """Give a member a role; audited. Granted twice at once, the second is told it is there."""
    begin_write(session)
    member = get_member(session, member_public_id, for_update=True)
    if _grant_of(session, member, role) is not None:
        raise ValidationError(
            _l(
                "%(name)s already has the role “%(role)s”.",
                name=member.display_name,
                role=lazy_label(role),
            )
        )
    session.add(RoleGrant(member_id=member.id, role=role, granted_at=now, granted_by_id=actor.id))
    audit_log.record(
        session,
        actor=actor,
        action="role.granted",
        payload={"member": member.public_id, "role": role.value},
        now=now,
    )
    session.commit()


def revoke_role(
    session: Session, *, member_public_id: str, role: Role, actor: Member, now: datetime
) -> None:
    """Take a role away; audited. The last committee member cannot be removed."""
    begin_write(session)
    member = get_member(session, member_public_id, for_update=True)
    grant = _grant_of(session, member, role)
    if grant is None:
        raise ValidationError(
            _l(
                "%(name)s does not have the role “%(role)s”.",
                name=member.display_name,
                role=lazy_label(role),
            )
        )
    if role == Role.COMMITTEE and _committee_count(session) <= 1:
        raise ConflictError(
            _l("The last committee member cannot be removed; appoint another first.")
        )
    session.delete(grant)
    audit_log.record(
        session,
        actor=actor,
        action="role.revoked",
        payload={"member": member.public_id, "role": role.value},
        now=now,
    )
    session.commit()


def list_members(session: Session, *, query: str = "", page: int = 1, per_page: int = 50):
    """A page of members, filtered by name or email, ordered by name."""
    # The list shows every member's roles: load them with the page, not one by one.
    statement = (
        select(Member)
        .options(selectinload(Member.role_grants))
        .order_by(Member.display_name, Member.id)
    )
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            func.lower(Member.display_name).like(pattern) | Member.email.like(pattern)
        )
    return statement
