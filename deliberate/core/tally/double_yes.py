"""The Swiss "double yes": an initiative, a counter-proposal and a deciding question.

Modelled on Art. 139b of the Swiss Federal Constitution. Members vote on both texts at
once and may accept both; a third, deciding question asks which should come into force
if both are accepted.

1. Each text is judged on its own, by the vote's rules (quorums, majority, and a
   majority of local groups where the rules ask for one). That judgement is made by
   ``core.rules.evaluate_vote``; this module takes its two answers.
2. Neither accepted: nothing changes. Exactly one accepted: that one comes into force.
3. Both accepted: the deciding question decides. Without a double majority the text
   preferred by more of the members who answered it wins. With one (local groups play
   the cantons), the text preferred by more members *and* by more groups wins; if the
   members and the groups disagree, the text with the larger sum of its share of the
   members' preferences and its share of the groups' preferences wins (139b para. 3).
   A group "prefers" a text when more of its members preferred it than the other.
4. Our own rule where the constitution is silent: an exact tie on the deciding question
   (equal votes, or equal sums) brings neither into force, and the verdict says so.

A ballot's canonical choice is ``double:<initiative>,<counter>,<preference>``, with the
first two each ``yes``, ``no`` or ``abstain`` and the preference ``initiative``,
``counter`` or ``none`` (for example ``double:yes,yes,counter``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_, Message

PREFIX = "double:"
ANSWERS = ("yes", "no", "abstain")
PREFERENCES = ("initiative", "counter", "none")
INITIATIVE, COUNTER = "initiative", "counter"


def encode(initiative: str, counter: str, preference: str) -> str:
    """The canonical choice string of one double-yes ballot."""
    if initiative not in ANSWERS or counter not in ANSWERS:
        raise ValidationError(N_("Answer yes, no or abstain on both texts."))
    if preference not in PREFERENCES:
        raise ValidationError(N_("Choose the initiative, the counter-proposal or no preference."))
    return f"{PREFIX}{initiative},{counter},{preference}"


def decode(choice: str) -> tuple[str, str, str]:
    """(initiative, counter, preference) of a canonical choice; refuses anything else."""
    parts = choice[len(PREFIX) :].split(",") if choice.startswith(PREFIX) else []
    if len(parts) != 3 or encode(*parts) != choice:
        raise ValidationError(f"{choice!r} is not a double-yes choice.")
    return parts[0], parts[1], parts[2]


@dataclass(frozen=True)
class DoubleYesCounts:
    """The answers to the three questions, counted."""

    initiative: tuple[int, int, int]  # yes, no, abstain
    counter: tuple[int, int, int]
    prefer_initiative: int
    prefer_counter: int
    no_preference: int

    @property
    def ballots(self) -> int:
        """Ballots counted."""
        return sum(self.initiative)


def count(choices: Iterable[str]) -> DoubleYesCounts:
    """Count canonical double-yes choices."""
    return count_grouped((choice, 1) for choice in choices)


def count_grouped(counts: Iterable[tuple[str, int]]) -> DoubleYesCounts:
    """Count (choice, how many ballots) pairs, e.g. a database's GROUP BY choice."""
    initiative = dict.fromkeys(ANSWERS, 0)
    counter = dict.fromkeys(ANSWERS, 0)
    preference = dict.fromkeys(PREFERENCES, 0)
    for choice, number in counts:
        i, c, p = decode(choice)
        initiative[i] += number
        counter[c] += number
        preference[p] += number
    return DoubleYesCounts(
        initiative=tuple(initiative[a] for a in ANSWERS),  # type: ignore[arg-type]
        counter=tuple(counter[a] for a in ANSWERS),  # type: ignore[arg-type]
        prefer_initiative=preference[INITIATIVE],
        prefer_counter=preference[COUNTER],
        no_preference=preference["none"],
    )


def counts_from_counters(counters: Mapping[str, int]) -> DoubleYesCounts:
    """Rebuild counts from per-question counters keyed 'initiative:yes', 'prefer:counter'..."""
    return DoubleYesCounts(
        initiative=tuple(counters.get(f"initiative:{a}", 0) for a in ANSWERS),  # type: ignore[arg-type]
        counter=tuple(counters.get(f"counter:{a}", 0) for a in ANSWERS),  # type: ignore[arg-type]
        prefer_initiative=counters.get("prefer:initiative", 0),
        prefer_counter=counters.get("prefer:counter", 0),
        no_preference=counters.get("prefer:none", 0),
    )


def counter_keys(choice: str) -> tuple[str, str, str]:
    """The three per-question counter keys one ballot adds to (for group tallies)."""
    i, c, p = decode(choice)
    return f"initiative:{i}", f"counter:{c}", f"prefer:{p}"


@dataclass(frozen=True)
class Decision:
    """Which text comes into force, and why, in plain words."""

    winner: str | None  # "initiative", "counter" or None (nothing changes)
    is_deciding_question_used: bool
    is_tied: bool
    groups_preferring: tuple[int, int] | None
    reason: Message


def decide(
    initiative_accepted: bool,
    counter_accepted: bool,
    totals: DoubleYesCounts,
    by_group: Mapping[str, DoubleYesCounts] | None = None,
) -> Decision:
    """Apply rules 2-4 of the module docstring."""
    if not (initiative_accepted and counter_accepted):
        if initiative_accepted or counter_accepted:
            winner = INITIATIVE if initiative_accepted else COUNTER
            reason = N_("only the %(text)s was accepted", text=_name(winner))
            return Decision(winner, False, False, None, reason)
        return Decision(None, False, False, None, N_("neither text was accepted"))
    pi, pc = totals.prefer_initiative, totals.prefer_counter
    if by_group is None:
        return _decide_by_members(pi, pc)
    gi = sum(1 for g in by_group.values() if g.prefer_initiative > g.prefer_counter)
    gc = sum(1 for g in by_group.values() if g.prefer_counter > g.prefer_initiative)
    groups = (gi, gc)
    if (pi > pc and gi > gc) or (pc > pi and gc > gi):
        winner = INITIATIVE if pi > pc else COUNTER
        reason = N_("members and local groups preferred the %(text)s", text=_name(winner))
        return Decision(winner, True, False, groups, reason)
    # People and groups disagree (or one side is tied): the larger sum of shares wins.
    share_i = _share(pi, pi + pc) + _share(gi, gi + gc)
    share_c = _share(pc, pi + pc) + _share(gc, gi + gc)
    if share_i == share_c:
        return Decision(None, True, True, groups, N_("the deciding question was tied"))
    winner = INITIATIVE if share_i > share_c else COUNTER
    reason = N_(
        "members and groups disagreed and the %(text)s had the larger sum of shares",
        text=_name(winner),
    )
    return Decision(winner, True, False, groups, reason)


def _decide_by_members(pi: int, pc: int) -> Decision:
    if pi == pc:
        return Decision(None, True, True, None, N_("the deciding question was tied"))
    winner = INITIATIVE if pi > pc else COUNTER
    reason = N_("more members preferred the %(text)s", text=_name(winner))
    return Decision(winner, True, False, None, reason)


def _share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def _name(which: str) -> Message:
    return N_("initiative") if which == INITIATIVE else N_("counter-proposal")
