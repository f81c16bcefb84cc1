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


def get_member(session: Session, public_id: str) -> Member:
    """The member with this public id, or NotFoundError."""
    member = session.execute(
        select(Member).where(Member.public_id == public_id)
    ).scalar_one_or_none()
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
) -> StatusChange:
    """Record a status change with its date and stated reason."""
    begin_write(session)
    member = get_member(session, member_public_id)
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
    return (
        session.scalar(
            select(func.count()).select_from(RoleGrant).where(RoleGrant.role == Role.COMMITTEE)
        )
        or 0
    )


def grant_role(
    session: Session, *, member_public_id: str, role: Role, actor: Member, now: datetime
) -> None:
    """Give a member a role; audited."""
    begin_write(session)
    member = get_member(session, member_public_id)
    if role in member.roles:
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
    member = get_member(session, member_public_id)
    grant = next((g for g in member.role_grants if g.role == role), None)
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
    member.role_grants.remove(grant)
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
