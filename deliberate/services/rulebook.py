"""The rulebook's versions: read the rules in force, save new versions, enact amendments.

Versions are append-only. A save names the version it was based on and inserts the next
number; the UNIQUE number makes the second of two concurrent saves fail instead of
silently overwriting the first. Entrenched rules change only through enact_amendment,
which the members' referendum on a rule-change proposal calls. How rules would fare
(feasibility, summaries, previews) is services.rulebook_feasibility.
"""

import json
import re
from dataclasses import replace
from datetime import datetime
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deliberate.core.errors import ConflictError, NotFoundError, PhaseError, ValidationError
from deliberate.core.messages import N_, join
from deliberate.core.rules import (
    Change,
    Consequence,
    Majority,
    Rulebook,
    RuleSet,
    Threshold,
    Tier,
    VoteRules,
    canonical_json,
    diff_rulebooks,
    rulebook_entrenched_changes,
    rulebook_from_dict,
    rulebook_hash,
)
from deliberate.core.rules.describe import label_for
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.i18n import lazy
from deliberate.models import LocalGroup, Member, MembershipStatus, RulebookVersion, utcnow
from deliberate.services import audit_log

INITIAL_REASON = "Initial rulebook"
_KIND_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _default_ruleset(name: str, consequence: Consequence) -> RuleSet:
    return RuleSet(
        name=name,
        co_sponsors=3,
        collection_days=90,
        tiers=(Tier(Threshold(share=Fraction(2, 100)), consequence),),
        vote=VoteRules(
            majority=Majority(Fraction(1, 2), is_strict=True),
            turnout_quorum=Fraction(20, 100),
            deliberation_days=14,
            voting_days=14,
        ),
    )


def default_rulebook() -> Rulebook:
    """Modest starting rules: 3 co-sponsors, 2% of members in 90 days, then a vote."""
    return Rulebook(
        {
            "campaign": _default_ruleset("Campaign", Consequence.QUALIFIES_FOR_VOTE),
            "policy-motion": _default_ruleset("Policy motion", Consequence.QUALIFIES_FOR_VOTE),
            "rule-change": _default_ruleset("Rule change", Consequence.BINDING_REFERENDUM),
        }
    )


def rulebook_of(version: RulebookVersion) -> Rulebook:
    """The rulebook a stored version holds."""
    return rulebook_from_dict(json.loads(version.content_json))


def _latest(session: Session) -> RulebookVersion | None:
    return session.execute(
        select(RulebookVersion).order_by(RulebookVersion.number.desc()).limit(1)
    ).scalar_one_or_none()


def _latest_number(session: Session) -> int:
    return session.scalar(select(func.max(RulebookVersion.number))) or 0


def _append(
    session: Session,
    *,
    number: int,
    rulebook: Rulebook,
    reason: str,
    actor: Member | None,
    enacted_by: str | None,
    now: datetime,
) -> RulebookVersion:
    """Insert version ``number``, or raise ConflictError if someone else took it first."""
    version = RulebookVersion(
        number=number,
        content_json=canonical_json(rulebook),
        content_hash=rulebook_hash(rulebook),
        author_id=actor.id if actor else None,
        reason=reason,
        created_at=now,
        enacted_by=enacted_by,
    )
    session.add(version)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ConflictError(
            _l(
                "The rulebook was changed by someone else while you were editing "
                "(now version %(n)s). Your changes were not saved; "
                "review the new version and apply them again.",
                n=_latest_number(session),
            )
        ) from None
    return version


def _audit(
    session: Session,
    version: RulebookVersion,
    *,
    actor: Member | None,
    action: str,
    old: Rulebook | None,
    now: datetime,
) -> None:
    changes = diff_rulebooks(old or Rulebook({}), rulebook_of(version))
    payload = {
        "number": version.number,
        "hash": version.content_hash,
        "reason": version.reason,
        "changed": [change.path for change in changes],
    }
    if version.enacted_by:
        payload["enacted_by"] = version.enacted_by
    audit_log.record(session, actor=actor, action=action, payload=payload, now=now)


def current_version(session: Session, *, now: datetime | None = None) -> RulebookVersion:
    """The version in force; seeds version 1 from default_rulebook() on first use."""
    version = _latest(session)
    if version is not None:
        return version
    begin_write(session)  # seed under the write lock, after looking again
    version = _latest(session)
    if version is not None:
        return version
    now = now or utcnow()
    try:
        version = _append(
            session,
            number=1,
            rulebook=default_rulebook(),
            reason=INITIAL_REASON,
            actor=None,
            enacted_by=None,
            now=now,
        )
    except ConflictError:
        return _latest(session)  # another request seeded it at the same moment
    _audit(session, version, actor=None, action="rulebook.version_saved", old=None, now=now)
    session.commit()
    return version


def current_rulebook(session: Session) -> Rulebook:
    """The rulebook in force."""
    return rulebook_of(current_version(session))


def _refuse_entrenched(touched: list[str]) -> None:
    if touched:
        names = join(
            [
                N_("%(kind)s: %(rule)s", kind=kind, rule=label_for(rule))
                for kind, _dot, rule in (path.partition(".") for path in touched)
            ],
            ", ",
        )
        raise PhaseError(
            _l(
                "These rules are entrenched and can only be changed by a members' referendum on "
                "a rule-change proposal: %(names)s. Nothing was saved.",
                names=lazy(names),
            )
        )


def save_version(
    session: Session,
    *,
    base_version: int,
    rulebook: Rulebook,
    reason: str,
    actor: Member,
    now: datetime,
) -> RulebookVersion:
    """Append the committee's new rulebook as version base_version + 1; audited."""
    begin_write(session)
    reason = clean_line(reason or "")
    if not reason:
        raise ValidationError(_l("State the reason for the change."), field="reason")
    current = current_version(session, now=now)
    if base_version != current.number:
        raise ConflictError(
            _l(
                "The rulebook was changed by someone else while you were editing "
                "(now version %(n)s). Your changes were not saved; "
                "review the new version and apply them again.",
                n=current.number,
            )
        )
    old = rulebook_of(current)
    _refuse_entrenched(rulebook_entrenched_changes(old, rulebook))
    if rulebook_hash(rulebook) == current.content_hash:
        raise ValidationError(_l("Nothing has changed, so no new version was saved."))
    version = _append(
        session,
        number=base_version + 1,
        rulebook=rulebook,
        reason=reason,
        actor=actor,
        enacted_by=None,
        now=now,
    )
    _audit(session, version, actor=actor, action="rulebook.version_saved", old=old, now=now)
    session.commit()
    return version


def enact_amendment(
    session: Session,
    *,
    rulebook: Rulebook,
    referendum_ref: str,
    now: datetime,
    kind: str | None = None,
) -> RulebookVersion:
    """Append what the members enacted by referendum; entrenchment does not apply.

    With ``kind``, only that kind's rule set is taken from ``rulebook``, into the
    rulebook in force now: a version saved since the amendment was drafted stays for
    every other kind. Without it (amendments recorded before the kind was kept) the
    whole ``rulebook`` is enacted.
    """
    begin_write(session)
    current = current_version(session, now=now)
    rulebook = with_amendment(rulebook_of(current), rulebook, kind)
    if rulebook_hash(rulebook) == current.content_hash:
        raise ValidationError(_l("The amendment changes nothing, so no new version was saved."))
    version = _append(
        session,
        number=current.number + 1,
        rulebook=rulebook,
        reason=f"Enacted by {referendum_ref}",
        actor=None,
        enacted_by=referendum_ref,
        now=now,
    )
    _audit(
        session,
        version,
        actor=None,
        action="rulebook.amendment_enacted",
        old=rulebook_of(current),
        now=now,
    )
    session.commit()
    return version


def with_amendment(current: Rulebook, amendment: Rulebook, kind: str | None) -> Rulebook:
    """What enacting ``amendment`` makes of the ``current`` rulebook: its kind replaced.

    An amendment recorded without its kind (before it was kept) stands whole.
    """
    if kind is None:
        return amendment
    return with_kind(current, kind, amendment.rulesets[kind])


def with_kind(rulebook: Rulebook, kind: str, ruleset: RuleSet) -> Rulebook:
    """A copy of ``rulebook`` with ``kind`` set to ``ruleset`` (added or replaced)."""
    return Rulebook({**rulebook.rulesets, kind: ruleset})


def add_kind(
    session: Session,
    *,
    base_version: int,
    kind: str,
    name: str,
    template: RuleSet,
    reason: str,
    actor: Member,
    now: datetime,
) -> RulebookVersion:
    """Add a proposal kind, starting from ``template``; a new version like any other."""
    kind = (kind or "").strip()
    if not _KIND_SLUG.fullmatch(kind):
        raise ValidationError(
            _l("Use lower-case letters and digits joined by hyphens, e.g. 'budget-motion'."),
            field="slug",
        )
    name = clean_line(name or "")
    if not name:
        raise ValidationError(_l("Give the kind a name."), field="name")
    book = current_rulebook(session)
    if kind in book.rulesets:
        raise ValidationError(
            _l("There is already a kind called “%(kind)s”.", kind=kind), field="slug"
        )
    ruleset = replace(template, name=name)
    return save_version(
        session,
        base_version=base_version,
        rulebook=with_kind(book, kind, ruleset),
        reason=reason,
        actor=actor,
        now=now,
    )


def versions(session: Session) -> list[RulebookVersion]:
    """Every version, newest first."""
    current_version(session)
    return list(
        session.execute(select(RulebookVersion).order_by(RulebookVersion.number.desc())).scalars()
    )


def get_version(session: Session, number: int) -> RulebookVersion:
    """Version ``number``, or NotFoundError."""
    current_version(session)
    version = session.execute(
        select(RulebookVersion).where(RulebookVersion.number == number)
    ).scalar_one_or_none()
    if version is None:
        raise NotFoundError(_l("There is no rulebook version %(n)s.", n=number))
    return version


def version_diff(session: Session, number: int) -> list[Change]:
    """What version ``number`` changed compared with version number - 1."""
    new = rulebook_of(get_version(session, number))
    old = rulebook_of(get_version(session, number - 1)) if number > 1 else Rulebook({})
    return diff_rulebooks(old, new)


def electorate(session: Session) -> tuple[int, dict[str, int]]:
    """Active members, in total and per local group (by group name)."""
    active = Member.status == MembershipStatus.ACTIVE
    total = session.scalar(select(func.count()).select_from(Member).where(active)) or 0
    rows = session.execute(
        select(LocalGroup.name, func.count(Member.id))
        .join(Member, (Member.local_group_id == LocalGroup.id) & active, isouter=True)
        .group_by(LocalGroup.name)
    )
    return total, {row[0]: row[1] for row in rows}
