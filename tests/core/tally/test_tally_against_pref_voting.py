"""Compare our counts with the independent pref_voting library on seeded random profiles.

pref_voting is a test-only dependency (its import takes a few seconds, so it is
imported once, here). Where the two libraries settle ties differently (it
excludes all tied candidates at once or draws a random lot; we use earlier
rounds then the tie order), profiles on which our count recorded a tie-break
are skipped, and the number skipped is kept small by the assertions below.
"""

import random
import warnings

import pytest

from deliberate.core.tally import irv, plurality, schulze, stv
from deliberate.core.tally.ballots import Ballot, Profile

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pref_voting.iterative_methods import (
        instant_runoff,
        instant_runoff_for_truncated_linear_orders,
    )
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles import Profile as PvProfile
    from pref_voting.profiles_with_ties import ProfileWithTies
    from pref_voting.proportional_methods import stv_scottish
    from pref_voting.scoring_methods import plurality as pv_plurality


def _random_orders(rng: random.Random, *, complete: bool, ties: bool = False):
    """A random profile: (number of candidates, rankings of candidate numbers, counts)."""
    n = rng.randint(2, 6)
    orders = []
    for _ in range(rng.randint(1, 15)):
        order = rng.sample(range(n), n)
        if not complete:
            order = order[: rng.randint(1, n)]
        ranks = [[c] for c in order]
        if ties:
            # Merge some neighbouring ranks into ties.
            merged = [ranks[0]]
            for rank in ranks[1:]:
                if rng.random() < 0.3:
                    merged[-1] = merged[-1] + rank
                else:
                    merged.append(rank)
            ranks = merged
        orders.append(ranks)
    counts = [rng.randint(1, 9) for _ in orders]
    return n, orders, counts


def _ours(n, orders, counts) -> Profile:
    names = tuple(str(c) for c in range(n))
    ballots = tuple(
        Ballot(tuple(frozenset(str(c) for c in rank) for rank in ranks), count)
        for ranks, count in zip(orders, counts, strict=True)
    )
    return Profile(names, ballots)


def _theirs_with_ties(n, orders, counts) -> ProfileWithTies:
    rankings = [{c: r for r, rank in enumerate(ranks) for c in rank} for ranks in orders]
    profile = ProfileWithTies(rankings, rcounts=counts, candidates=list(range(n)))
    profile.use_extended_strict_preference()  # unranked below ranked, as we do
    return profile


def _names(cands) -> set[str]:
    return {str(c) for c in cands}


def _tie_free(rounds) -> bool:
    return not any(r.tie_breaks for r in rounds)


def test_irv_matches_pref_voting_on_complete_ballots():
    rng = random.Random(20260101)
    compared = 0
    for _ in range(800):
        n, orders, counts = _random_orders(rng, complete=True)
        result = irv.count(_ours(n, orders, counts))
        if not _tie_free(result.rounds):
            continue
        linear = PvProfile(
            [[c for rank in ranks for c in rank] for ranks in orders], rcounts=counts
        )
        assert _names(instant_runoff(linear)) == set(result.winners)
        compared += 1
    assert compared > 400


def test_irv_matches_pref_voting_on_truncated_ballots():
    rng = random.Random(7)
    compared = 0
    for _ in range(800):
        n, orders, counts = _random_orders(rng, complete=False)
        result = irv.count(_ours(n, orders, counts))
        if not _tie_free(result.rounds):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = instant_runoff_for_truncated_linear_orders(
                _theirs_with_ties(n, orders, counts)
            )
        assert _names(theirs) == set(result.winners)
        compared += 1
    assert compared > 300


@pytest.mark.parametrize("ties", [False, True])
def test_schulze_winners_and_matrix_match_pref_voting(ties):
    rng = random.Random(42 + ties)
    for _ in range(1500):
        n, orders, counts = _random_orders(rng, complete=False, ties=ties)
        ours = _ours(n, orders, counts)
        theirs = _theirs_with_ties(n, orders, counts)
        result = schulze.count(ours)
        # Ties are reported, not broken, so winner sets compare exactly, ties included.
        first = set(result.winners or result.tied)
        assert _names(beat_path(theirs, strength_function=theirs.support)) == first
        margins = schulze.count(ours, strength="margin")
        assert _names(beat_path(theirs)) == set(margins.winners or margins.tied)
        for a in range(n):
            for b in range(n):
                if a != b:
                    assert result.pairwise[str(a)][str(b)] == theirs.support(a, b)


def test_plurality_matches_pref_voting_including_ties():
    rng = random.Random(3)
    for _ in range(800):
        n, orders, counts = _random_orders(rng, complete=True)
        result = plurality.count(_ours(n, orders, counts))
        linear = PvProfile(
            [[c for rank in ranks for c in rank] for ranks in orders], rcounts=counts
        )
        assert _names(pv_plurality(linear)) == set(result.winners or result.tied)


@pytest.mark.parametrize("seats", [2, 3])
def test_stv_winner_set_matches_pref_voting_scottish_stv(seats):
    rng = random.Random(100 + seats)
    compared = 0
    for _ in range(1000):
        n, orders, counts = _random_orders(rng, complete=False)
        result = stv.count(_ours(n, orders, counts), seats)
        if not _tie_free(result.rounds):
            continue
        theirs = stv_scottish(
            _theirs_with_ties(n, orders, counts), num_seats=seats, rng=random.Random(0)
        )
        assert _names(theirs) == set(result.winners), (orders, counts)
        compared += 1
    assert compared > 300
