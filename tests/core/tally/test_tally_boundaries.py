"""Boundary cases of every counting method: empty, single, exhausted, ties, seats."""

from fractions import Fraction

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.tally import approval, irv, plurality, schulze, stv, yes_no
from deliberate.core.tally.ballots import Ballot, Profile, make_profile, parse_ranking
from deliberate.core.tally.ties import BY_EARLIER_ROUND, BY_TIE_ORDER, lot_order, pick

ABC = ("A", "B", "C")
EMPTY = Profile(ABC, ())


def test_empty_profile_elects_nobody_in_every_method():
    assert irv.count(EMPTY).winners == ()
    assert stv.count(EMPTY, 2).winners == ()
    assert plurality.count(EMPTY).winners == () and plurality.count(EMPTY).tied == ()
    assert approval.count(EMPTY).winners == ()
    result = schulze.count(EMPTY)
    assert result.winners == () and result.tied == ABC


def test_one_ballot_elects_its_first_choice():
    profile = make_profile(ABC, ["B>C"])
    assert irv.count(profile).winners == ("B",)
    assert stv.count(profile, 1).winners == ("B",)
    assert plurality.count(profile).winners == ("B",)
    assert schulze.count(profile).winners == ("B",)
    assert schulze.count(profile).ranking == (("B",), ("C",), ("A",))


def test_one_ballot_three_seats_fills_the_rest_as_last_vacancies():
    result = stv.count(make_profile(ABC, ["B>C"]), 3)
    assert result.quota == 1
    assert result.winners[0] == "B" and set(result.winners) == set(ABC)


def test_irv_all_ballots_exhausted_elects_nobody():
    # The only ballot is an over-vote: exhausted before the first round.
    result = irv.count(make_profile(ABC, ["A=B>C"]))
    assert result.winners == ()
    assert result.rounds[-1].exhausted == 1


def test_irv_tie_at_the_top_exhausts_the_ballot_for_good():
    # A=B is ambiguous while both continue; it stays exhausted after A goes.
    profile = make_profile(ABC, [("A=B", 5), ("B", 3), ("C", 4), ("A", 1)])
    result = irv.count(profile)
    assert result.rounds[0].tallies == {"A": 1, "B": 3, "C": 4}
    assert result.winners == ("C",)
    assert result.rounds[-1].exhausted == 6  # the 5 over-votes, and A's own ballot


def test_irv_later_tie_with_one_continuing_candidate_counts_for_it():
    profile = make_profile(ABC, [("C>A=B", 1), ("A", 2), ("B", 3)])
    result = irv.count(profile)
    assert result.rounds[0].excluded == ("C",)
    assert result.rounds[1].tallies == {"A": 2, "B": 3}
    assert result.rounds[1].exhausted == 1  # A=B, both continuing: exhausted


def test_irv_exclusion_tie_is_broken_by_an_earlier_round():
    # Round 1: C 2, B 3, A 4, D 1. D out -> B. Round 2: B 4, A 4, C 2 ... C out -> A/B split.
    profile = make_profile(
        ("A", "B", "C", "D"), [("A", 4), ("B", 3), ("C>B", 1), ("C>A", 1), ("D>C", 1)]
    )
    result = irv.count(profile)
    assert result.rounds[1].tallies == {"A": 4, "B": 3, "C": 3}
    # B and C tie at 3 in round 2; in round 1 C had 2 and B had 3, so C goes.
    assert result.rounds[1].excluded == ("C",)
    assert BY_EARLIER_ROUND in result.rounds[1].tie_breaks[0]


def test_irv_exclusion_tie_with_no_history_goes_by_tie_order():
    profile = make_profile(ABC, [("A", 3), ("B", 2), ("C", 2)])
    result = irv.count(profile)
    assert result.rounds[0].excluded == ("C",)  # latest in the published order
    assert BY_TIE_ORDER in result.rounds[0].tie_breaks[0]
    flipped = irv.count(profile, tie_order=("A", "C", "B"))
    assert flipped.rounds[0].excluded == ("B",)


def test_irv_two_way_tie_at_the_end_is_decided_by_the_tie_order_and_recorded():
    result = irv.count(make_profile(("A", "B"), [("A", 2), ("B", 2)]))
    assert result.winners == ("A",)
    assert result.rounds[0].tie_breaks


def test_tie_order_must_list_every_candidate():
    with pytest.raises(ValidationError):
        irv.count(make_profile(ABC, ["A"]), tie_order=("A", "B"))


def test_pick_narrows_through_history_and_then_uses_tie_order():
    history = [{"A": 1, "B": 1, "C": 1}, {"A": 2, "B": 2, "C": 5}]
    assert pick(["A", "B", "C"], history, ABC, lowest=True) == ("B", BY_TIE_ORDER)
    assert pick(["A", "B", "C"], history, ABC, lowest=False) == ("C", BY_EARLIER_ROUND)


def test_lot_order_is_a_reproducible_permutation_of_a_published_seed():
    order = lot_order(ABC, "2026-AGM")
    assert sorted(order) == list(ABC)
    assert order == lot_order(reversed(ABC), "2026-AGM")


def test_stv_seats_at_least_candidates_elects_everyone():
    profile = make_profile(ABC, [("A>B", 3), ("B", 1)])
    result = stv.count(profile, seats=5)
    assert set(result.winners) == set(ABC)
    assert result.winners[0] == "A"


def test_stv_quota_is_droop_and_blank_or_over_voted_ballots_are_void():
    profile = Profile(
        ABC, (Ballot(parse_ranking("A"), 10), Ballot((), 2), Ballot(parse_ranking("A=B"), 3))
    )
    result = stv.count(profile, 2)
    assert (result.valid, result.invalid, result.quota) == (10, 5, 4)
    assert stv.droop_quota(43942, 4) == 8789


def test_stv_surplus_is_transferred_at_exact_fractional_value():
    # 7 valid, 2 seats, quota 3. A has 5: surplus 2 moves at 2/5 per paper.
    profile = make_profile(ABC, [("A>B", 4), ("A", 1), ("C", 2)])
    result = stv.count(profile, 2)
    second = result.rounds[1]
    assert second.surplus_of == "A" and second.surplus == 2
    assert second.tallies["B"] == Fraction(8, 5)
    assert second.exhausted == Fraction(2, 5)
    assert result.winners == ("A", "C")


def test_stv_single_seat_agrees_with_irv_on_a_small_example():
    profile = make_profile(("A", "B", "C", "D"), [("A>B", 5), ("B>C", 4), ("C>B", 3), ("D>C", 2)])
    # D out (C 5), then B out (C 9 of 14).
    assert stv.count(profile, 1).winners == irv.count(profile).winners == ("C",)


def test_stv_rejects_zero_seats():
    with pytest.raises(ValidationError):
        stv.count(EMPTY, 0)


def test_plurality_reports_a_tie_instead_of_breaking_it():
    result = plurality.count(make_profile(ABC, [("A", 2), ("B", 2), ("C", 1)]))
    assert result.winners == () and result.tied == ("A", "B") and result.is_tied


def test_plurality_ignores_over_votes_and_counts_multi_seat():
    result = plurality.count(make_profile(ABC, [("A", 3), ("B", 2), ("A=C", 4), ("C", 1)]), seats=2)
    assert result.winners == ("A", "B") and result.invalid == 4


def test_approval_counts_every_approved_candidate_and_ties_straddling_the_cut():
    profile = make_profile(ABC, [("A=B", 2), ("B=C", 1), ("", 1)])
    result = approval.count(profile)
    assert result.tallies == {"A": 2, "B": 3, "C": 1}
    assert result.winners == ("B",) and result.blank == 1
    two = approval.count(make_profile(ABC, [("A=B", 1), ("C", 1)]), seats=2)
    assert two.winners == () and two.tied == ABC


def test_yes_no_counts_choices_and_rejects_anything_else():
    tally = yes_no.count(["yes", "No", "abstain", "yes"])
    assert (tally.yes, tally.no, tally.abstain, tally.total, tally.decisive) == (2, 1, 1, 4, 3)
    with pytest.raises(ValidationError, match="Ballot 2"):
        yes_no.count(["yes", "maybe"])


def test_schulze_ties_within_a_ballot_count_for_neither_side():
    d = schulze.pairwise(make_profile(ABC, ["A=B>C", "C"]))
    assert d["A"]["B"] == d["B"]["A"] == 0
    assert d["A"]["C"] == 1 and d["C"]["A"] == 1
    assert d["A"]["B"] == 0  # unranked A and B on the second ballot: equal


def test_schulze_condorcet_cycle_resolved_by_strongest_paths():
    # The classic Wikipedia example (45 voters, 5 candidates): winner E.
    profile = make_profile(
        "ABCDE",
        [
            ("A>C>B>E>D", 5),
            ("A>D>E>C>B", 5),
            ("B>E>D>A>C", 8),
            ("C>A>B>E>D", 3),
            ("C>A>E>B>D", 7),
            ("C>B>A>D>E", 2),
            ("D>C>E>B>A", 7),
            ("E>B>A>D>C", 8),
        ],
    )
    result = schulze.count(profile)
    assert result.winners == ("E",)
    assert result.ranking == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.paths["E"]["D"] == 31 and result.paths["A"]["C"] == 28


def test_schulze_exact_tie_is_reported():
    result = schulze.count(make_profile(("A", "B"), ["A>B", "B>A"]))
    assert result.winners == () and result.tied == ("A", "B") and result.is_tied


def test_schulze_unknown_strength_is_rejected():
    with pytest.raises(ValidationError):
        schulze.count(EMPTY, strength="ratio")


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        (Ballot((frozenset({"Z"}),)), "unknown candidate"),
        (Ballot((frozenset({"A"}), frozenset({"A"}))), "ranked twice"),
        (Ballot((frozenset(),)), "empty"),
        (Ballot((frozenset({"A"}),), 0), "positive"),
    ],
)
def test_profile_rejects_malformed_ballots(ballot, message):
    with pytest.raises(ValidationError, match=message):
        Profile(ABC, (ballot,))


def test_profile_rejects_duplicate_candidate_names():
    with pytest.raises(ValidationError):
        Profile(("A", "A"), ())


def test_stv_exhausted_surplus_then_exclusion_tie_by_tie_order():
    # Quota 2. A's surplus of 1 has nowhere to go; B and C tie at 1 with equal history.
    profile = make_profile(ABC, [("A", 3), ("B", 1), ("C", 1)])
    result = stv.count(profile, 2)
    assert result.rounds[1].surplus_of == "A" and result.rounds[1].exhausted == 1
    assert result.rounds[2].excluded == ("C",)
    assert BY_TIE_ORDER in result.rounds[2].tie_breaks[0]
    assert result.winners == ("A", "B")
    assert stv.count(profile, 2, tie_order=("A", "C", "B")).winners == ("A", "C")


def test_stv_exclusion_tie_is_broken_by_the_previous_stage():
    # Quota 4 (11 valid, 2 seats). Stage 2: A's surplus of 1 moves at 1/5 a paper to C.
    profile = make_profile(("A", "B", "C", "D"), [("A>C", 5), ("B", 3), ("C", 1), ("D", 2)])
    result = stv.count(profile, 2)
    stage2 = result.rounds[1]
    assert stage2.surplus_of == "A" and stage2.tallies["C"] == 2
    # C and D tie at 2 now; at stage 1 C had 1 and D had 2, so C is excluded.
    assert result.rounds[2].excluded == ("C",)
    assert BY_EARLIER_ROUND in result.rounds[2].tie_breaks[0]


def test_stv_paper_reaching_two_continuing_equals_is_exhausted():
    profile = make_profile(ABC, [("A>B=C", 4), ("B", 1), ("C", 2)])
    result = stv.count(profile, 2)  # quota 3; A's surplus 1 cannot choose between B and C
    assert result.rounds[1].exhausted == 1
    assert result.winners == ("A", "C")
