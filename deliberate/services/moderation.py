"""Transparent moderation: hide with a public reason, the public log, one appeal.

Nothing is deleted. Hiding replaces a contribution's text by a notice naming the rule
and the reason; the text stays for moderators and auditors. Every step is a public
`ModerationAction` and an audit-log entry, and the author is told.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deliberate.core import debate as rules
from deliberate.core.errors import (
    ConflictError,
    NotEligibleError,
    NotFoundError,
    PhaseError,
    ValidationError,
)
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import (
    Appeal,
    AppealDecision,
    Contribution,
    Flag,
    Member,
    ModerationAction,
    ModerationKind,
)
from deliberate.services import audit_log, debate_mail


def _reason(reason: str, field: str = "reason") -> str:
    reason = clean_line(reason or "")[:500]
    if not reason:
        raise ValidationError(_l("Give the reason; it is shown publicly."), field=field)
    return reason


def _log(
    session: Session,
    contribution: Contribution,
    kind: ModerationKind,
    *,
    moderator: Member,
    reason: str,
    rule: str | None,
    now: datetime,
) -> ModerationAction:
    action = ModerationAction(
        contribution_id=contribution.id,
        kind=kind,
        moderator_id=moderator.id,
        reason=reason,
        rule=rule,
        at=now,
    )
    session.add(action)
    audit_log.record(
        session,
        actor=moderator,
        action=f"debate.{kind.value}",
        payload={"contribution": contribution.public_id, "rule": rule, "reason": reason},
        now=now,
    )
    return action


def _resolve_flags(session: Session, contribution: Contribution, now: datetime) -> None:
    session.execute(
        update(Flag)
        .where(Flag.contribution_id == contribution.id, Flag.resolved_at.is_(None))
        .values(resolved_at=now)
    )


def hide(
    session: Session,
    contribution: Contribution,
    *,
    moderator: Member,
    rule: str,
    reason: str,
    title: str,
    notice: debate_mail.Notice,
    now: datetime,
) -> ModerationAction:
    """Hide a contribution under a house rule, with a public reason; tell its author."""
    begin_write(session)
    if rule not in rules.RULE_CODES:
        raise ValidationError(_l("Choose the house rule it breaks."), field="rule")
    reason = _reason(reason)
    if contribution.is_hidden:
        raise ConflictError(_l("This contribution is already hidden."))
    contribution.is_hidden = True
    contribution.hidden_rule = rule
    contribution.hidden_reason = reason
    contribution.hidden_by_id = moderator.id
    contribution.hidden_at = now
    _resolve_flags(session, contribution, now)
    action = _log(
        session, contribution, ModerationKind.HIDE, moderator=moderator, reason=reason,
        rule=rule, now=now,
    )  # fmt: skip
    debate_mail.notify_hidden(session, contribution, title=title, notice=notice, now=now)
    session.commit()
    return action


def _show_again(contribution: Contribution) -> None:
    contribution.is_hidden = False
    contribution.hidden_rule = None
    contribution.hidden_reason = None
    contribution.hidden_by_id = None
    contribution.hidden_at = None


def unhide(
    session: Session, contribution: Contribution, *, moderator: Member, reason: str, now: datetime
) -> ModerationAction:
    """Show a hidden contribution again (a moderator's own correction), publicly logged."""
    begin_write(session)
    reason = _reason(reason)
    if not contribution.is_hidden:
        raise ConflictError(_l("This contribution is not hidden."))
    pending = session.scalar(
        select(Appeal).where(Appeal.contribution_id == contribution.id, Appeal.decision.is_(None))
    )
    if pending is not None:
        raise PhaseError(_l("An appeal is pending: decide the appeal instead."))
    _show_again(contribution)
    action = _log(
        session, contribution, ModerationKind.UNHIDE, moderator=moderator, reason=reason,
        rule=None, now=now,
    )  # fmt: skip
    session.commit()
    return action


def dismiss_flags(
    session: Session, contribution: Contribution, *, moderator: Member, reason: str, now: datetime
) -> ModerationAction:
    """Leave a flagged contribution as it is, saying why; the flags leave the queue."""
    begin_write(session)
    reason = _reason(reason)
    if contribution.is_hidden:
        raise ConflictError(_l("This contribution is hidden; there is nothing to dismiss."))
    _resolve_flags(session, contribution, now)
    action = _log(
        session, contribution, ModerationKind.DISMISS_FLAGS, moderator=moderator,
        reason=reason, rule=None, now=now,
    )  # fmt: skip
    session.commit()
    return action


def appeal(
    session: Session, contribution: Contribution, *, author: Member, statement: str, now: datetime
) -> Appeal:
    """The author appeals a hiding, once; the unique contribution makes twice impossible."""
    begin_write(session)
    if contribution.author_id != author.id:
        raise NotFoundError(_l("There is no such contribution."))  # T34
    if not contribution.is_hidden:
        raise PhaseError(_l("Only a hidden contribution can be appealed."))
    statement = " ".join((statement or "").split())[:2000]
    if not statement:
        raise ValidationError(_l("Say why the hiding was wrong."), field="statement")
    entry = Appeal(
        contribution_id=contribution.id,
        author_id=author.id,
        statement=statement,
        hidden_by_id=contribution.hidden_by_id,
        created_at=now,
    )
    try:
        session.add(entry)
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(
            _l("You have already appealed; a hiding may be appealed once.")
        ) from None
    audit_log.record(
        session,
        actor=author,
        action="debate.appealed",
        payload={"contribution": contribution.public_id},
        now=now,
    )
    session.commit()
    return entry


def get_appeal(session: Session, public_id: str) -> Appeal:
    """The appeal with this public id, or NotFoundError."""
    entry = session.scalar(select(Appeal).where(Appeal.public_id == public_id))
    if entry is None:
        raise NotFoundError(_l("There is no such appeal."))
    return entry


def appeal_of(session: Session, contribution: Contribution) -> Appeal | None:
    """The appeal against this contribution's hiding, if there is one."""
    return session.scalar(select(Appeal).where(Appeal.contribution_id == contribution.id))


def decide_appeal(
    session: Session,
    entry: Appeal,
    *,
    moderator: Member,
    upheld: bool,
    reason: str,
    title: str,
    notice: debate_mail.Notice,
    now: datetime,
) -> ModerationAction:
    """A moderator other than the one who hid it decides; upheld shows it again."""
    begin_write(session)
    if entry.decision is not None:
        raise ConflictError(_l("This appeal has already been decided."))
    if moderator.id == entry.hidden_by_id:
        raise NotEligibleError(
            _l("You hid this contribution, so a different moderator must decide the appeal.")
        )
    reason = _reason(reason)
    contribution = entry.contribution
    entry.decision = AppealDecision.UPHELD if upheld else AppealDecision.REJECTED
    entry.decision_reason = reason
    entry.decided_by_id = moderator.id
    entry.decided_at = now
    rule = contribution.hidden_rule
    if upheld:
        _show_again(contribution)
    kind = ModerationKind.APPEAL_UPHELD if upheld else ModerationKind.APPEAL_REJECTED
    action = _log(
        session, contribution, kind, moderator=moderator, reason=reason, rule=rule, now=now
    )
    debate_mail.notify_appeal_decided(
        session, contribution, upheld=upheld, reason=reason, title=title, notice=notice, now=now
    )
    session.commit()
    return action


def log_statement():
    """The public moderation log, newest first, as a select() for pagination."""
    return select(ModerationAction).order_by(ModerationAction.at.desc(), ModerationAction.id.desc())


@dataclass
class QueueItem:
    contribution: Contribution
    flag_count: int
    reasons: list[str]


def queue(session: Session) -> tuple[list[QueueItem], list[Appeal]]:
    """Contributions with open flags (most flagged first) and appeals awaiting a decision."""
    counts = (
        select(Flag.contribution_id, func.count().label("n"))
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.contribution_id)
        .subquery()
    )
    rows = session.execute(
        select(Contribution, counts.c.n)
        .join(counts, counts.c.contribution_id == Contribution.id)
        .order_by(counts.c.n.desc(), Contribution.created_at)
        .limit(200)
    ).all()
    ids = [c.id for c, _n in rows]
    reasons: dict[int, list[str]] = {}
    for contribution_id, reason in session.execute(
        select(Flag.contribution_id, Flag.reason).where(
            Flag.contribution_id.in_(ids), Flag.resolved_at.is_(None)
        )
    ):
        reasons.setdefault(contribution_id, []).append(reason)
    items = [QueueItem(c, n, reasons.get(c.id, [])) for c, n in rows]
    appeals = list(
        session.scalars(select(Appeal).where(Appeal.decision.is_(None)).order_by(Appeal.created_at))
    )
    return items, appeals


def flags_of(session: Session, contribution: Contribution) -> list[Flag]:
    """Every flag on a contribution, oldest first (for moderators and auditors)."""
    return list(
        session.scalars(
            select(Flag).where(Flag.contribution_id == contribution.id).order_by(Flag.created_at)
        )
    )


def actions_on(session: Session, contribution: Contribution) -> list[ModerationAction]:
    """The moderation history of one contribution, oldest first."""
    return list(
        session.scalars(
            select(ModerationAction)
            .where(ModerationAction.contribution_id == contribution.id)
            .order_by(ModerationAction.at, ModerationAction.id)
        )
    )
