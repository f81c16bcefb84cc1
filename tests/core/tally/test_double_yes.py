"""The Swiss double yes: each text judged alone, then the deciding question (Art. 139b)."""

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.tally import double_yes
from deliberate.core.tally.double_yes import DoubleYesCounts, decide


def counts(pi: int, pc: int) -> DoubleYesCounts:
    return DoubleYesCounts((1, 0, 0), (1, 0, 0), pi, pc, 0)


def test_choices_round_trip_and_odd_spellings_are_refused():
    assert double_yes.decode(double_yes.encode("yes", "no", "none")) == ("yes", "no", "none")
    for bad in ("double:yes,no", "double:Yes,no,none", "yes", "double:yes,no,none,x"):
        with pytest.raises(ValidationError):
            double_yes.decode(bad)


def test_count_adds_up_each_question():
    total = double_yes.count(
        ["double:yes,yes,counter", "double:yes,no,initiative", "double:no,yes,none"]
    )
    assert total.initiative == (2, 1, 0) and total.counter == (2, 1, 0)
    assert (total.prefer_initiative, total.prefer_counter, total.no_preference) == (1, 1, 1)


@pytest.mark.parametrize(
    ("initiative", "counter", "winner"),
    [(False, False, None), (True, False, "initiative"), (False, True, "counter")],
)
def test_without_both_accepted_the_deciding_question_is_not_used(initiative, counter, winner):
    decision = decide(initiative, counter, counts(0, 99))
    assert decision.winner == winner and not decision.is_deciding_question_used


def test_both_accepted_the_preferred_text_wins_and_a_tie_changes_nothing():
    assert decide(True, True, counts(51, 49)).winner == "initiative"
    assert decide(True, True, counts(49, 51)).winner == "counter"
    tied = decide(True, True, counts(50, 50))
    assert tied.winner is None and tied.is_tied


def test_members_and_groups_disagreeing_go_to_the_larger_sum_of_shares():
    # Members 60:40 for the initiative; groups 1:2 for the counter-proposal.
    groups = {"a": counts(10, 0), "b": counts(0, 10), "c": counts(0, 10)}
    decision = decide(True, True, counts(60, 40), groups)
    # Initiative: 60% + 33.3% = 93.3%; counter: 40% + 66.7% = 106.7%.
    assert decision.winner == "counter" and decision.groups_preferring == (1, 2)
    agree = decide(True, True, counts(60, 40), {"a": counts(9, 1), "b": counts(8, 2)})
    assert agree.winner == "initiative"
