"""The standalone verifier's double yes agrees with core.tally.double_yes (it may not import it)."""

from hypothesis import example, given
from hypothesis import strategies as st

from deliberate.core.errors import ValidationError
from deliberate.core.tally import double_yes
from deliberate.core.tally.double_yes import DoubleYesCounts, decide

PREFERS_INITIATIVE = DoubleYesCounts((1, 0, 0), (1, 0, 0), 1, 0, 0)
PREFERS_COUNTER = DoubleYesCounts((1, 0, 0), (1, 0, 0), 0, 1, 0)
votes = st.integers(min_value=0, max_value=40)
parts = st.sampled_from(
    [*double_yes.ANSWERS, *double_yes.PREFERENCES, "", "Yes", " no", "both", "yes,yes"]
)
choices = st.one_of(
    st.builds(lambda *p: "double:" + ",".join(p), parts, parts, parts),
    st.builds(lambda p, tail: f"double:{p}{tail}", parts, st.text(max_size=12)),
    st.text(max_size=30),
)


def official(is_initiative_passed, is_counter_passed, pi, pc, groups) -> dict:
    """The parts of a stored double-yes result that the verifier's rule reads."""
    return {
        "initiative": {"is_passed": is_initiative_passed},
        "counter": {"is_passed": is_counter_passed},
        "deciding": {"initiative": pi, "counter": pc, "none": 0, "groups": groups},
    }


@given(st.booleans(), st.booleans(), votes, votes, st.none() | st.tuples(votes, votes))
@example(True, True, 40, 60, (3, 1))  # members want the counter, groups the initiative
@example(True, True, 50, 50, (2, 2))  # tied both ways: neither
@example(True, True, 0, 0, None)
def test_the_verifiers_winner_is_the_counts(verifier_module, i, c, pi, pc, groups):
    by_group = None
    if groups is not None:
        gi, gc = groups
        by_group = {f"i{k}": PREFERS_INITIATIVE for k in range(gi)}
        by_group |= {f"c{k}": PREFERS_COUNTER for k in range(gc)}
    decision = decide(i, c, DoubleYesCounts((1, 0, 0), (1, 0, 0), pi, pc, 0), by_group)
    got = verifier_module.double_yes_winner(official(i, c, pi, pc, groups and list(groups)))
    assert got == (decision.winner, decision.is_tied)


def test_members_against_groups_goes_to_the_larger_sum_of_shares(verifier_module):
    # Initiative: 2/5 of the members + 3/4 of the groups = 23/20 > 17/20 for the counter.
    assert verifier_module.double_yes_winner(official(True, True, 40, 60, [3, 1])) == (
        "initiative",
        False,
    )
    assert verifier_module.double_yes_winner(official(True, False, 0, 99, None)) == (
        "initiative",
        False,
    )


@given(choices)
@example("double:yes,yes,counter")
@example("double:yes,yes,counter\n")
def test_the_verifier_accepts_exactly_the_canonical_choices(verifier_module, text):
    try:
        expected = list(double_yes.counter_keys(text))
    except ValidationError:
        expected = None
    try:
        got = verifier_module.parse_double_yes(text)
    except ValueError:
        got = None
    assert got == expected
