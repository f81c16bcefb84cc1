"""Notifications in the app and by email, filtered by each member's preferences.

Callers pass the recipients, the kind and the text in the transaction of the action
that caused them, so a notice is recorded exactly when (and as often as) its cause.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from deliberate.database import begin_write
from deliberate.i18n import in_language
from deliberate.models import Member, Notification, NotificationPreference
from deliberate.services import mail


@dataclass(frozen=True)
class Kind:
    """A kind of notification, how it is described on the settings page, and its defaults."""

    key: str
    label: LazyString
    is_in_app: bool = True
    is_email: bool = True


KINDS = {
    kind.key: kind
    for kind in (
        Kind("cosponsor_invitation", _l("An invitation to co-sponsor a proposal")),
        Kind("own_opened", _l("Your proposal opened for signatures")),
        Kind("own_qualified", _l("Your proposal qualified")),
        Kind("own_lapsed", _l("Your proposal lapsed")),
        Kind("own_answered", _l("The committee answered your proposal")),
        Kind("signed_qualified", _l("A proposal you signed qualified"), is_email=False),
        Kind("signed_voting", _l("A proposal you signed opened for voting")),
        Kind("signed_closed", _l("A proposal you signed closed"), is_email=False),
        Kind("committee_gate", _l("Committee: a proposal awaits a decision or is overdue")),
        Kind("debate_reply", _l("A reply to what you wrote in a debate")),
        Kind("debate_mention", _l("A mention of you in a debate")),
    )
}
# Recipients are batched so a proposal with many signers never builds one huge query.
_BATCH = 500


def _recipients(session: Session, member_ids: list[int], kind: Kind):
    pref = NotificationPreference
    return session.execute(
        select(Member.id, Member.email, Member.language, pref.is_in_app, pref.is_email)
        .outerjoin(pref, (pref.member_id == Member.id) & (pref.kind == kind.key))
        .where(Member.id.in_(member_ids))
    )


def notify(
    session: Session,
    *,
    member_ids: Iterable[int],
    kind: str,
    text: str | LazyString,
    now: datetime,
    proposal_id: int | None = None,
    path: str | None = None,
    base_url: str = "",
    org_name: str = "Deliberate",
) -> int:
    """Record ``text`` for each member as they chose (in the app, by email); returns how many.

    A lazy ``text`` is written in each recipient's language, in the app and in the mail.
    """
    begin_write(session)
    spec = KINDS[kind]
    ids = sorted(set(member_ids))
    made = 0
    for start in range(0, len(ids), _BATCH):
        rows = []
        for member_id, email, language, in_app, by_email in _recipients(
            session, ids[start : start + _BATCH], spec
        ):
            in_app = spec.is_in_app if in_app is None else in_app
            by_email = spec.is_email if by_email is None else by_email
            with in_language(language):
                shown = str(text)
                if in_app:
                    rows.append(
                        {
                            "member_id": member_id,
                            "kind": kind,
                            "proposal_id": proposal_id,
                            "text": shown[:500],
                            "link": path,
                            "created_at": now,
                        }
                    )
                if by_email:
                    link = f"\n\n{base_url.rstrip('/')}{path}" if path else ""
                    footer = gettext("You can choose which notices you receive in Settings.")
                    body = f"{shown}{link}\n\n{footer}"
                    subject = f"{org_name}: {shown}"
                    mail.queue(session, to=email, subject=subject, body=body, now=now)
            made += bool(in_app or by_email)
        if rows:
            session.execute(insert(Notification), rows)
    return made


def record(
    session: Session, *, member_id: int, kind: str, text: str, link: str | None, now: datetime
) -> None:
    """One notice in the app, for a member who chose it (``preferences``)."""
    session.add(
        Notification(member_id=member_id, kind=kind, text=text[:500], link=link, created_at=now)
    )


def preferences(session: Session, member_id: int) -> dict[str, tuple[bool, bool]]:
    """Every kind's (in app, email) choice for a member, defaults filled in."""
    stored = {
        row.kind: (row.is_in_app, row.is_email)
        for row in session.execute(
            select(NotificationPreference).where(NotificationPreference.member_id == member_id)
        ).scalars()
    }
    return {key: stored.get(key, (k.is_in_app, k.is_email)) for key, k in KINDS.items()}


def save_preferences(
    session: Session, *, member_id: int, choices: dict[str, tuple[bool, bool]]
) -> None:
    """Store a member's choices for every kind (unknown kinds are ignored)."""
    begin_write(session)
    existing = {
        row.kind: row
        for row in session.execute(
            select(NotificationPreference).where(NotificationPreference.member_id == member_id)
        ).scalars()
    }
    for key in KINDS:
        in_app, by_email = choices.get(key, (False, False))
        row = existing.get(key)
        if row is None:
            session.add(
                NotificationPreference(
                    member_id=member_id, kind=key, is_in_app=in_app, is_email=by_email
                )
            )
        else:
            row.is_in_app, row.is_email = in_app, by_email
    session.commit()


def recent(session: Session, member_id: int, limit: int = 100) -> list[Notification]:
    """A member's latest notifications, newest first."""
    return list(
        session.execute(
            select(Notification)
            .where(Notification.member_id == member_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ).scalars()
    )


# Built once: every page a member sees counts them for the header.
_UNREAD = (
    select(func.count())
    .select_from(Notification)
    .where(Notification.member_id == bindparam("member_id"), Notification.read_at.is_(None))
)


def unread_count(session: Session, member_id: int) -> int:
    """How many notifications the member has not marked read."""
    return session.scalar(_UNREAD, {"member_id": member_id}) or 0


def mark_all_read(session: Session, *, member_id: int, now: datetime) -> None:
    """Mark every unread notification of the member as read."""
    begin_write(session)
    session.execute(
        update(Notification)
        .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    session.commit()
