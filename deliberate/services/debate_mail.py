"""Queueing debate notifications: replies and mentions, moderation outcomes.

Links are absolute, built by the web layer and passed in; this module only decides who
is told and queues the mail in the caller's transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core import debate as rules
from deliberate.core.text import clean_line
from deliberate.i18n import in_language_of, translate
from deliberate.mailer import debate_texts
from deliberate.models import Contribution, Member, MembershipStatus
from deliberate.services import mail, notifications


@dataclass(frozen=True)
class Notice:
    """What a notification needs from the web layer: the organisation and an absolute link."""

    org: str = "Deliberate"
    link: str = ""


NO_NOTICE = Notice()


def _send(
    session: Session, member: Member, message: Callable[[], tuple[str, str]], now: datetime
) -> None:
    """Queue ``message()`` to ``member``, written in their language."""
    with in_language_of(member):
        subject, body = message()
    mail.queue(session, to=member.email, subject=subject, body=body, now=now)


def _tell(
    session: Session,
    member: Member,
    kind: str,
    message: Callable[[], tuple[str, str]],
    notice: Notice,
    now: datetime,
) -> None:
    """As the member chose for this kind (Settings): in the app, by email, both or neither.

    The notice in the app is the mail's subject line; both are in the member's language.
    """
    in_app, by_email = notifications.preferences(session, member.id)[kind]
    with in_language_of(member):
        subject, body = message()
        settings_note = gettext("You can choose which notices you receive in Settings.")
    if in_app:
        notifications.record(
            session, member_id=member.id, kind=kind, text=subject, link=notice.link or None, now=now
        )
    if by_email:
        mail.queue(
            session, to=member.email, subject=subject, body=f"{body}\n{settings_note}", now=now
        )


def notify_reply_and_mentions(
    session: Session,
    contribution: Contribution,
    *,
    parent: Contribution | None,
    title: str,
    notice: Notice,
    now: datetime,
) -> None:
    """Tell the parent's author of a reply and each mentioned member, once each, as each
    chose to be told of replies and of mentions."""
    author = contribution.author
    name, title = clean_line(author.display_name), clean_line(title)
    told = {author.id}
    if parent is not None and parent.author_id not in told:
        _tell(
            session,
            parent.author,
            "debate_reply",
            lambda: debate_texts.reply(notice.org, name, title, notice.link),
            notice,
            now,
        )
        told.add(parent.author_id)
    handles = rules.mentioned_handles(contribution.body_markdown)
    if not handles:
        return
    mentioned = session.scalars(
        select(Member).where(
            Member.public_id.in_(handles), Member.status == MembershipStatus.ACTIVE
        )
    )
    for member in mentioned:
        if member.id not in told:
            _tell(
                session,
                member,
                "debate_mention",
                lambda: debate_texts.mention(notice.org, name, title, notice.link),
                notice,
                now,
            )
            told.add(member.id)


def notify_hidden(
    session: Session, contribution: Contribution, *, title: str, notice: Notice, now: datetime
) -> None:
    """Tell the author their contribution was hidden, under which rule, and how to appeal."""
    _send(
        session,
        contribution.author,
        lambda: debate_texts.hidden(
            notice.org,
            clean_line(title),
            translate(rules.rule_label(contribution.hidden_rule)),
            contribution.hidden_reason or "",
            notice.link,
        ),
        now,
    )


def notify_appeal_decided(
    session: Session,
    contribution: Contribution,
    *,
    upheld: bool,
    reason: str,
    title: str,
    notice: Notice,
    now: datetime,
) -> None:
    """Tell the author how their appeal was decided."""
    _send(
        session,
        contribution.author,
        lambda: debate_texts.appeal_decided(
            notice.org, clean_line(title), upheld, reason, notice.link
        ),
        now,
    )


def notify_amendment_decided(
    session: Session,
    author: Member,
    *,
    accepted: bool,
    reason: str,
    title: str,
    notice: Notice,
    now: datetime,
) -> None:
    """Tell an amendment's author what the proposers decided."""
    _send(
        session,
        author,
        lambda: debate_texts.amendment_decided(
            notice.org, clean_line(title), accepted, reason, notice.link
        ),
        now,
    )
