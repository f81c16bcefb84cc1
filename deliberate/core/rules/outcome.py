"""Deciding a members' vote exactly, and saying the result in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_, Message
from deliberate.core.rules._checks import check_int
from deliberate.core.rules._format import percent_text, share_text, share_words
from deliberate.core.rules.ruleset import RuleSet
from deliberate.core.rules.voting import AbstentionMode, Majority, VoteRules, describe_majority


@dataclass(frozen=True)
class GroupResult:
    """One local group's vote, judged by its own majority."""

    group: str
    yes: int
    no: int
    abstain: int
    is_approved: bool


@dataclass(frozen=True)
class VoteOutcome:
    """A counted vote: turnout, each test met or not, passed or failed, and a verdict.

    ``yes_share`` is yes over the majority's denominator (None if that is zero);
    ``is_tied`` means yes equals the votes that count against.
    """

    electorate: int
    yes: int
    no: int
    abstain: int
    turnout: Fraction
    yes_share: Fraction | None
    is_turnout_met: bool
    is_approval_met: bool
    is_majority_met: bool
    is_tied: bool
    groups: tuple[GroupResult, ...]
    is_group_majority_met: bool | None
    is_passed: bool
    verdict: Message | str  # a Message once counted (translatable where shown)


def counted_votes(mode: AbstentionMode, yes: int, no: int, abstain: int) -> tuple[int, int]:
    """(votes counted for turnout, votes in the majority's denominator) under ``mode``."""
    if mode is AbstentionMode.EXCLUDED:
        return yes + no + abstain, yes + no
    if mode is AbstentionMode.AGAINST:
        return yes + no + abstain, yes + no + abstain
    return yes + no, yes + no


def majority_met(majority: Majority, yes: int, cast: int) -> bool:
    """Whether ``yes`` of ``cast`` clears the majority; nothing cast clears nothing."""
    if cast == 0:
        return False
    # Cross-multiplied so the comparison stays in whole numbers.
    lhs, rhs = yes * majority.share.denominator, majority.share.numerator * cast
    return lhs > rhs if majority.is_strict else lhs >= rhs


def _vote_rules(rules: RuleSet | VoteRules) -> VoteRules:
    vote = rules.vote if isinstance(rules, RuleSet) else rules
    if not isinstance(vote, VoteRules):
        raise ValidationError(N_("Proposals of this kind are never put to a vote."))
    return vote


def _check_votes(what: str, electorate: int | None, yes: int, no: int, abstain: int) -> None:
    for count, name in ((yes, "yes"), (no, "no"), (abstain, "abstain")):
        check_int(count, f"The {name} votes{what}")
    if electorate is not None and yes + no + abstain > electorate:
        raise ValidationError(f"More votes were cast{what} than there are voters.")


def _group_results(
    vote: VoteRules, by_group: Mapping[str, tuple[int, int, int]]
) -> tuple[GroupResult, ...]:
    results = []
    for group in sorted(by_group):
        yes, no, abstain = by_group[group]
        _check_votes(f" in {group}", None, yes, no, abstain)
        cast = counted_votes(vote.abstentions, yes, no, abstain)[1]
        results.append(GroupResult(group, yes, no, abstain, majority_met(vote.majority, yes, cast)))
    return tuple(results)


def evaluate_vote(
    ruleset: RuleSet | VoteRules,
    electorate: int,
    yes: int,
    no: int,
    abstain: int,
    by_group: Mapping[str, tuple[int, int, int]] | None = None,
) -> VoteOutcome:
    """Count a yes/no vote under the rule set's quorums, majority and abstention rule.

    Quorums are inclusive (30% turnout meets a 30% quorum); the approval quorum is yes
    votes over the whole electorate. With a double majority, more than half of the groups
    in ``by_group`` must approve, each by the same majority rule as the whole vote.
    """
    vote = _vote_rules(ruleset)
    check_int(electorate, N_("The electorate"))
    _check_votes("", electorate, yes, no, abstain)
    if vote.has_double_majority and by_group is None:
        raise ValidationError(
            N_("This vote needs a majority of local groups, so give results by group.")
        )
    groups = _group_results(vote, by_group) if by_group is not None else ()
    outcome = _count(vote, electorate, (yes, no, abstain), groups)
    return replace(outcome, verdict=verdict(outcome, vote))


def _count(
    vote: VoteRules, electorate: int, votes: tuple[int, int, int], groups: tuple[GroupResult, ...]
) -> VoteOutcome:
    yes, no, abstain = votes
    turnout_votes, cast = counted_votes(vote.abstentions, yes, no, abstain)
    turnout = Fraction(turnout_votes, electorate) if electorate else Fraction(0)
    yes_of_electorate = Fraction(yes, electorate) if electorate else Fraction(0)
    group_ok = None
    if vote.has_double_majority:
        group_ok = 2 * sum(1 for g in groups if g.is_approved) > len(groups)
    is_turnout_met = vote.turnout_quorum is None or turnout >= vote.turnout_quorum
    is_approval_met = vote.approval_quorum is None or yes_of_electorate >= vote.approval_quorum
    is_majority = majority_met(vote.majority, yes, cast)
    tests = (electorate > 0, is_turnout_met, is_approval_met, is_majority, group_ok is not False)
    return VoteOutcome(
        electorate=electorate,
        yes=yes,
        no=no,
        abstain=abstain,
        turnout=turnout,
        yes_share=Fraction(yes, cast) if cast else None,
        is_turnout_met=is_turnout_met,
        is_approval_met=is_approval_met,
        is_majority_met=is_majority,
        is_tied=cast > 0 and 2 * yes == cast,
        groups=groups,
        is_group_majority_met=group_ok,
        is_passed=all(tests),
        verdict="",
    )


def _yes_clause(o: VoteOutcome, vote: VoteRules) -> Message:
    """'74% voted yes', 'the vote was tied', 'every vote cast was an abstention'."""
    if o.yes_share is None:
        return N_("every vote cast was an abstention") if o.abstain else N_("nobody voted")
    if o.is_tied:
        return N_("the vote was tied, %(n)s for and %(n)s against", n=o.yes)
    if o.yes_share == vote.majority.share and vote.majority.share != 1:
        return N_("exactly %(share)s voted yes", share=share_words(vote.majority.share))
    return N_("%(percent)s voted yes", percent=percent_text(o.yes_share, vote.majority.share))


def _turnout(o: VoteOutcome, vote: VoteRules) -> Message:
    turnout = percent_text(o.turnout, vote.turnout_quorum)
    if vote.turnout_quorum is None:
        return N_("on a turnout of %(turnout)s", turnout=turnout)
    return N_(
        "on a turnout of %(turnout)s (%(quorum)s needed)",
        turnout=turnout,
        quorum=share_text(vote.turnout_quorum),
    )


def _groups_clause(o: VoteOutcome) -> Message:
    approved = sum(1 for g in o.groups if g.is_approved)
    return N_(
        "%(approved)s of %(groups)s local groups approved", approved=approved, groups=len(o.groups)
    )


def _quorum_failures(o: VoteOutcome, vote: VoteRules) -> Message | None:
    """Why the quorums were not met, in one clause, or None when they were."""
    failures = []
    if not o.is_turnout_met:
        failures.append(
            N_(
                "turnout %(turnout)s is below the %(quorum)s quorum",
                turnout=percent_text(o.turnout, vote.turnout_quorum),
                quorum=share_text(vote.turnout_quorum),
            )
        )
    if not o.is_approval_met:
        failures.append(
            N_(
                "yes votes came from %(share)s of the electorate, below the %(quorum)s "
                "approval quorum",
                share=percent_text(Fraction(o.yes, o.electorate), vote.approval_quorum),
                quorum=share_text(vote.approval_quorum),
            )
        )
    if len(failures) == 2:
        return N_("%(first)s and %(second)s", first=failures[0], second=failures[1])
    return failures[0] if failures else None


def verdict(o: VoteOutcome, vote: VoteRules) -> Message:
    """The result in one plain sentence, leading with the reason it passed or failed."""
    if o.electorate == 0:
        return N_("Failed: nobody was eligible to vote")
    needed = N_("(%(majority)s was needed)", majority=describe_majority(vote.majority))
    yes = _yes_clause(o, vote)
    reasons = _quorum_failures(o, vote)
    if reasons is not None and o.is_majority_met:
        return N_("Failed: %(reasons)s, though %(yes)s", reasons=reasons, yes=yes)
    if reasons is not None:
        return N_(
            "Failed: %(reasons)s, and %(yes)s %(needed)s", reasons=reasons, yes=yes, needed=needed
        )
    turnout = _turnout(o, vote)
    if not o.is_majority_met:
        return N_("Failed: %(yes)s %(needed)s %(turnout)s", yes=yes, needed=needed, turnout=turnout)
    if o.is_group_majority_met is False:
        return N_(
            "Failed: %(yes)s, but only %(groups)s (a majority of local groups was needed)",
            yes=yes,
            groups=_groups_clause(o),
        )
    if o.is_group_majority_met:
        return N_(
            "Passed: %(yes)s %(needed)s and %(groups)s %(turnout)s",
            yes=yes,
            needed=needed,
            groups=_groups_clause(o),
            turnout=turnout,
        )
    return N_("Passed: %(yes)s %(needed)s %(turnout)s", yes=yes, needed=needed, turnout=turnout)
