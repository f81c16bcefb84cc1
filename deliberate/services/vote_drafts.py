"""The committee's elections and polls before they open: creating one, editing a draft.

A vote is created from a VoteSpec, checked field by field, and opens by itself at its
opening time (at once if that has passed: services.referendums freezes it). Until then
only its wording may change, and a save made against a stale page is refused (T11);
once open, nothing but an audited extension (T13).
"""

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from deliberate.core.errors import ConflictError, PhaseError, ValidationError
from deliberate.core.rules import Eligibility as EligibilityRules
from deliberate.core.rules import VoteRules
from deliberate.core.rules.serialise import _vote_to_dict  # the rulebook's storage format
from deliberate.core.text import clean_line
from deliberate.database import begin_write
from deliberate.models import (
    Member,
    Option,
    Referendum,
    ReferendumKind,
    ReferendumState,
    VoteMethod,
)
from deliberate.services import audit_log, referendums


def slugify(label: str, taken: set[str], position: int) -> str:
    """A stable option id from its label: ascii letters, digits and '-', unique here."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:48] or f"option-{position}"
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class VoteSpec:
    """What the committee asks for when it creates an election or a poll."""

    kind: ReferendumKind
    method: VoteMethod
    question: str
    options: tuple[str, ...]
    opens_at: datetime
    closes_at: datetime
    eligibility: EligibilityRules
    rules: VoteRules | None = None
    seats: int = 1
    description: str = ""
    counter_text: str | None = None


def _check_spec(spec: VoteSpec, now: datetime) -> tuple[str, list[str]]:
    question = clean_line(spec.question)
    if not question:
        raise ValidationError(_l("Write the question."), field="question")
    if len(question) > 300:
        raise ValidationError(_l("Keep the question under 300 characters."), field="question")
    labels = [clean_line(label) for label in spec.options if clean_line(label)]
    if spec.method.has_options:
        if len(labels) < 2:
            raise ValidationError(_l("Give at least two options, one per line."), field="options")
        if len({label.casefold() for label in labels}) != len(labels):
            raise ValidationError(_l("Two options have the same name."), field="options")
        if any(len(label) > 200 for label in labels):
            raise ValidationError(_l("Keep each option under 200 characters."), field="options")
    elif labels:
        raise ValidationError(_l("A yes/no question has no options of its own."), field="options")
    if spec.seats < 1 or (spec.method.has_options and spec.seats >= len(labels)):
        raise ValidationError(_l("There must be fewer seats than candidates."), field="seats")
    if spec.seats != 1 and spec.method not in (VoteMethod.STV, VoteMethod.APPROVAL):
        raise ValidationError(_l("Only STV and approval can fill several seats."), field="seats")
    if spec.closes_at <= spec.opens_at:
        raise ValidationError(_l("The vote must close after it opens."), field="closes_at")
    if spec.closes_at <= now:
        raise ValidationError(_l("The closing time has already passed."), field="closes_at")
    if spec.method is VoteMethod.DOUBLE_YES and not (spec.counter_text or "").strip():
        raise ValidationError(_l("Describe the counter-proposal."), field="counter_text")
    return question, labels


def create(session: Session, spec: VoteSpec, *, actor: Member | None, now: datetime) -> Referendum:
    """Create an election or poll; it opens by itself at opens_at (at once if that is past)."""
    begin_write(session)
    question, labels = _check_spec(spec, now)
    taken: set[str] = set()
    eligibility = referendums.eligibility_to_dict(spec.eligibility)
    referendum = Referendum(
        kind=spec.kind,
        method=spec.method,
        seats=spec.seats,
        question=question,
        description=spec.description.strip(),
        counter_text=(spec.counter_text or "").strip() or None,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        eligibility_json=json.dumps(eligibility, sort_keys=True),
        vote_rules_json=None if spec.rules is None else json.dumps(_vote_to_dict(spec.rules)),
        created_at=now,
        created_by_id=actor.id if actor else None,
        options=[
            Option(slug=slugify(label, taken, n), label=label, position=n)
            for n, label in enumerate(labels, start=1)
        ],
    )
    session.add(referendum)
    session.flush()
    audit_log.record(
        session,
        actor=actor,
        action="referendum.created",
        payload={
            "referendum": referendum.public_id,
            "kind": spec.kind.value,
            "method": spec.method.value,
            "question": question,
        },
        now=now,
    )
    if referendum.opens_at <= now:
        referendums.freeze(session, referendum, actor=actor, now=now)
    session.commit()
    return referendum


def update_draft(
    session: Session,
    public_id: str,
    *,
    question: str,
    description: str,
    actor: Member,
    now: datetime,
    expected_version: int | None = None,
) -> Referendum:
    """Change a draft's wording; refused with 409 once voting has opened (T13).

    ``expected_version`` is the ``edit_version`` the editor's page showed. If another
    save came in between, nothing is saved and ConflictError says so (T11); None skips
    the check, for callers that edit without a page.
    """
    begin_write(session)
    referendum = referendums.get(session, public_id, for_update=True)
    if referendum.state is not ReferendumState.DRAFT:
        raise PhaseError(referendums.FROZEN_MESSAGE)
    if expected_version is not None and expected_version != referendum.edit_version:
        raise ConflictError(
            _l(
                "This draft was changed by someone else while you were editing (now "
                "version %(n)s). Your changes were not saved; review the draft and apply "
                "them again.",
                n=referendum.edit_version,
            )
        )
    question = clean_line(question)
    if not question or len(question) > 300:
        raise ValidationError(_l("Write a question under 300 characters."), field="question")
    old = referendum.question
    referendum.question, referendum.description = question, description.strip()
    referendum.edit_version += 1
    audit_log.record(
        session,
        actor=actor,
        action="referendum.draft_edited",
        payload={
            "referendum": public_id,
            "from": old,
            "to": question,
            "version": referendum.edit_version,
        },
        now=now,
    )
    session.commit()
    return referendum
