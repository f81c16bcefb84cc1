"""A rule-change proposal's structured amendment: the rulebook it would enact.

Only proposals of the kind ``rule-change`` (AMENDING_KIND) carry one. The author sets it
while the text is still editable (lifecycle.EDITABLE, the same rule as drafting.edit), so
the amendment members sign and vote on is fixed once signatures open. It is stored as the
FULL proposed rulebook (the rules in force with one kind replaced), in canonical JSON,
with the kind it replaces (``amendment_kind``). What it changes is always that kind
against the rules in force now, and when the members' referendum passes,
services.counting enacts only that kind: a rulebook version the committee saved in the
meantime is not undone for the other kinds.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from deliberate.core import lifecycle
from deliberate.core.errors import NotFoundError, PhaseError, ValidationError
from deliberate.core.lifecycle import State
from deliberate.core.rules import (
    Change,
    Rulebook,
    RuleSet,
    canonical_json,
    diff_rulebooks,
    rulebook_entrenched_changes,
    rulebook_from_dict,
    rulebook_hash,
)
from deliberate.database import begin_write
from deliberate.models import Proposal
from deliberate.services import rulebook
from deliberate.services.proposals import lock

AMENDING_KIND = "rule-change"


def carries_amendment(proposal: Proposal) -> bool:
    """Whether proposals of this one's kind carry a structured amendment."""
    return proposal.kind == AMENDING_KIND


def is_editable(proposal: Proposal) -> bool:
    """Whether the amendment may still change (the text-edit rule: before signatures open)."""
    return State(proposal.state.value) in lifecycle.EDITABLE


def proposed_rulebook(proposal: Proposal) -> Rulebook | None:
    """The rulebook stored as the amendment (the rules of its day, one kind replaced)."""
    if not proposal.amendment_json:
        return None
    return rulebook_from_dict(json.loads(proposal.amendment_json))


def set_amendment(
    session: Session,
    *,
    proposal_id: int,
    author_id: int,
    kind: str,
    ruleset: RuleSet,
    now: datetime,
) -> Proposal:
    """Store the rulebook in force with ``kind`` set to ``ruleset`` as the amendment."""
    begin_write(session)
    proposal = lock(session, proposal_id)
    if proposal.author_id != author_id:
        raise NotFoundError(_l("Only the proposal's author can do that."))
    if not carries_amendment(proposal):
        raise PhaseError(_l("Only a rule-change proposal carries an amendment to the rulebook."))
    if not is_editable(proposal):
        raise PhaseError(
            _l("The amendment is frozen: signatures have opened, so members know what they sign.")
        )
    current = rulebook.current_rulebook(session)
    if kind not in current.rulesets:
        raise ValidationError(_l("Choose one of the kinds of proposal."), field="kind")
    proposed = rulebook.with_kind(current, kind, ruleset)
    if rulebook_hash(proposed) == rulebook_hash(current):
        raise ValidationError(_l("This changes no rule; change at least one rule to propose it."))
    text = canonical_json(proposed)
    if text == proposal.amendment_json:
        raise ValidationError(_l("Nothing has changed, so the amendment was not saved again."))
    proposal.amendment_json = text
    proposal.amendment_kind = kind
    session.commit()
    return proposal


@dataclass(frozen=True)
class AmendmentChanges:
    """What the amendment changes against the rules in force, for display."""

    changes: list[Change]
    entrenched: frozenset[str]

    def is_entrenched(self, change: Change) -> bool:
        """Whether ``change`` touches an entrenched rule (a path, or one inside or around it)."""
        path = change.path
        return any(
            path == e or path.startswith(e + ".") or e.startswith(path + ".")
            for e in self.entrenched
        )


def amendment_changes(session: Session, proposal: Proposal) -> AmendmentChanges | None:
    """The amendment's diff against the rules in force, and which changed rules are entrenched."""
    stored = proposed_rulebook(proposal)
    if stored is None:
        return None
    current = rulebook.current_rulebook(session)
    proposed = rulebook.with_amendment(current, stored, proposal.amendment_kind)
    return AmendmentChanges(
        changes=diff_rulebooks(current, proposed),
        entrenched=frozenset(rulebook_entrenched_changes(current, proposed)),
    )
