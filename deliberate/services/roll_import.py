"""Importing the membership roll: preview what would change, then apply it all or nothing."""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_, join
from deliberate.core.roll import RollProblem, RollRow, parse_roll
from deliberate.database import begin_write
from deliberate.i18n import lazy
from deliberate.models import LocalGroup, Member, RollEntry
from deliberate.services import audit_log


@dataclass
class RollChange:
    email: str
    name: str
    changes: list[str]


@dataclass
class RollPreview:
    problems: list[RollProblem] = field(default_factory=list)
    added: list[RollRow] = field(default_factory=list)
    updated: list[RollChange] = field(default_factory=list)
    unchanged: int = 0
    new_groups: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def summary(self) -> dict:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "new_groups": self.new_groups,
        }


def _slug(name: str) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in name)
    return "-".join(part for part in cleaned.split("-") if part)[:80] or "group"


def _groups_by_name(session: Session) -> dict[str, LocalGroup]:
    return {g.name.casefold(): g for g in session.execute(select(LocalGroup)).scalars()}


def preview(session: Session, csv_text: str, *, now: datetime) -> RollPreview:
    """Parse the file and compare it with the roll; writes nothing."""
    rows, problems = parse_roll(csv_text, now.date())
    result = RollPreview(problems=problems)
    groups = _groups_by_name(session)
    existing = {e.email: e for e in session.execute(select(RollEntry)).scalars()}
    for row in rows:
        if row.local_group.casefold() not in groups and row.local_group not in result.new_groups:
            result.new_groups.append(row.local_group)
        entry = existing.get(row.email)
        if entry is None:
            result.added.append(row)
            continue
        changes = []
        if entry.name != row.name:
            changes.append(f"name {entry.name} → {row.name}")
        if entry.local_group.name.casefold() != row.local_group.casefold():
            changes.append(f"group {entry.local_group.name} → {row.local_group}")
        if entry.joined_on != row.joined_on:
            changes.append(f"joined {entry.joined_on} → {row.joined_on}")
        if changes:
            result.updated.append(RollChange(row.email, row.name, changes))
        else:
            result.unchanged += 1
    return result


def apply(session: Session, csv_text: str, *, actor: Member | None, now: datetime) -> RollPreview:
    """Apply the whole file in one transaction, or raise listing every bad line."""
    begin_write(session)
    result = preview(session, csv_text, now=now)
    if not result.is_valid:
        lines = join(
            [
                N_("line %(line)s: %(problem)s", line=p.line, problem=p.message)
                for p in result.problems[:20]
            ]
        )
        raise ValidationError(
            _l("Nothing was imported. Fix these lines first — %(lines)s", lines=lazy(lines))
        )
    groups = _groups_by_name(session)
    for name in result.new_groups:
        group = LocalGroup(name=name, slug=_unique_slug(session, name))
        session.add(group)
        groups[name.casefold()] = group
    session.flush()
    rows, _ = parse_roll(csv_text, now.date())
    entries = {e.email: e for e in session.execute(select(RollEntry)).scalars()}
    members = {m.email: m for m in session.execute(select(Member)).scalars()}
    for row in rows:
        group = groups[row.local_group.casefold()]
        entry = entries.get(row.email)
        if entry is None:
            entry = RollEntry(
                email=row.email,
                imported_at=now,
                name=row.name,
                local_group_id=group.id,
                joined_on=row.joined_on,
                updated_at=now,
            )
            session.add(entry)
        elif (entry.name, entry.local_group_id, entry.joined_on) != (
            row.name,
            group.id,
            row.joined_on,
        ):
            entry.name, entry.local_group_id, entry.joined_on = row.name, group.id, row.joined_on
            entry.updated_at = now
        member = members.get(row.email)
        if member is not None:
            # The roll is the organisation's record of membership; the account follows it.
            member.local_group_id = group.id
            member.joined_on = row.joined_on
    audit_log.record(
        session, actor=actor, action="roll.imported", payload=result.summary(), now=now
    )
    session.commit()
    return result


def _unique_slug(session: Session, name: str) -> str:
    base = _slug(name)
    slug, n = base, 2
    while session.execute(select(LocalGroup.id).where(LocalGroup.slug == slug)).first():
        slug, n = f"{base}-{n}", n + 1
    return slug
