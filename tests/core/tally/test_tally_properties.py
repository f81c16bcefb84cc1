"""Properties that must hold for every profile (hypothesis)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.core.tally import irv, schulze, stv
from deliberate.core.tally.ballots import Ballot, Profile


@st.composite
def profiles(draw, max_candidates: int = 6, ties: bool = True) -> Profile:
    """Profiles with truncated rankings, optional equal ranks and blank ballots."""
    names = tuple("ABCDEF"[: draw(st.integers(1, max_candidates))])
    ballots = []
    for _ in range(draw(st.integers(0, 12))):
        order = draw(st.permutations(names))[: draw(st.integers(0, len(names)))]
        ranks: list[frozenset[str]] = []
        for name in order:
            if ranks and ties and draw(st.booleans()) and draw(st.booleans()):
                ranks[-1] = ranks[-1] | {name}
            else:
                ranks.append(frozenset({name}))
        ballots.append(Ballot(tuple(ranks), draw(st.integers(1, 6))))
    return Profile(names, tuple(ballots))


@settings(max_examples=300, deadline=None)
@given(profiles(), st.integers(1, 7))
def test_stv_conserves_value_and_fills_seats(profile, seats):
    result = stv.count(profile, seats)
    assert result.quota == result.valid // (seats + 1) + 1
    assert result.valid + result.invalid == profile.total
    if result.valid == 0:
        assert result.winners == ()
        return
    assert len(result.winners) == min(seats, len(profile.candidates))
    assert len(set(result.winners)) == len(result.winners)
    for stage in result.rounds:
        # Exact arithmetic: every vote is with a candidate or exhausted, never lost to rounding.
        assert sum(stage.tallies.values()) + stage.exhausted == result.valid
    last = result.rounds[-1]
    for stage in result.rounds:
        for winner in stage.elected:
            # Elected on reaching the quota, or as one of the last vacancies.
            assert stage.tallies[winner] >= result.quota or stage is last


@settings(max_examples=300, deadline=None)
@given(profiles())
def test_irv_winner_has_a_majority_of_the_last_round(profile):
    result = irv.count(profile)
    if result.winners:
        final = result.rounds[-1]
        assert 2 * final.tallies[result.winner] > sum(final.tallies.values())
    for stage in result.rounds:
        assert sum(stage.tallies.values()) + stage.exhausted == profile.total


@settings(max_examples=300, deadline=None)
@given(profiles())
def test_single_seat_stv_elects_the_irv_winner_when_no_tie_is_broken(profile):
    by_irv, by_stv = irv.count(profile), stv.count(profile, 1)
    if any(r.tie_breaks for r in by_irv.rounds + by_stv.rounds):
        return
    # STV voids over-voted first preferences, IRV only exhausts them: same effect.
    assert by_stv.winners == by_irv.winners


@settings(max_examples=300, deadline=None)
@given(profiles())
def test_schulze_elects_a_condorcet_winner_and_ranks_everyone(profile):
    result = schulze.count(profile)
    d = result.pairwise
    condorcet = [
        a
        for a in profile.candidates
        if all(d[a][b] > d[b][a] for b in profile.candidates if b != a)
    ]
    if condorcet:
        assert result.winners == tuple(condorcet)
    assert sorted(c for level in result.ranking for c in level) == sorted(profile.candidates)
    assert result.winners or result.tied


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_results_do_not_depend_on_ballot_order(profile):
    reordered = Profile(profile.candidates, tuple(reversed(profile.ballots)))
    assert irv.count(reordered).winners == irv.count(profile).winners
    assert stv.count(reordered, 2).winners == stv.count(profile, 2).winners
    assert schulze.count(reordered).ranking == schulze.count(profile).ranking
