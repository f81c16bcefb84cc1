"""How rules would fare: feasibility against the organisation's own history, and the
plain-words summaries and draft previews the rulebook pages show.

Nothing here saves anything; the versions themselves are services.rulebook.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from deliberate.core.rules import (
    Change,
    Feasibility,
    History,
    Rulebook,
    RuleSet,
    RuleText,
    assess_feasibility,
    describe_ruleset,
    diff_rulebooks,
    rulebook_entrenched_changes,
)
from deliberate.services import proposal_history
from deliberate.services.rulebook import current_rulebook, electorate, with_kind


def organisation_history(session: Session) -> History:
    """The organisation's past proposals and referendums, for feasibility what-ifs.

    Proposals: every one that finished collecting, with its final signatures, days
    collected and signatures by local group. Referendums: every closed yes/no referendum.
    """
    return History(
        proposals=proposal_history.past_proposals(session),
        referendums=proposal_history.past_referendums(session),
    )


def feasibility(session: Session, ruleset: RuleSet) -> Feasibility:
    """How the organisation's own history would have fared under ``ruleset``, at today's size."""
    members, by_group = electorate(session)
    return assess_feasibility(ruleset, organisation_history(session), members, by_group)


@dataclass(frozen=True)
class KindSummary:
    """One proposal kind for the rulebook pages: its rules in words and their feasibility."""

    kind: str
    ruleset: RuleSet
    rules: tuple[RuleText, ...]
    feasibility: Feasibility | None


def summarise(session: Session, rulebook: Rulebook, *, with_feasibility: bool) -> list[KindSummary]:
    """Each kind of ``rulebook`` in plain words, optionally with today's feasibility."""
    return [
        KindSummary(
            kind=kind,
            ruleset=ruleset,
            rules=describe_ruleset(ruleset),
            feasibility=feasibility(session, ruleset) if with_feasibility else None,
        )
        for kind, ruleset in rulebook.rulesets.items()
    ]


@dataclass(frozen=True)
class Preview:
    """What saving a draft rule set would change, whether it may, and how it would fare."""

    changes: list[Change]
    entrenched: list[str]
    feasibility: Feasibility


def preview_kind(session: Session, *, kind: str, ruleset: RuleSet) -> Preview:
    """Compare a draft for ``kind`` with the rules in force, without saving anything."""
    old = current_rulebook(session)
    new = with_kind(old, kind, ruleset)
    return Preview(
        changes=diff_rulebooks(old, new),
        entrenched=rulebook_entrenched_changes(old, new),
        feasibility=feasibility(session, ruleset),
    )
