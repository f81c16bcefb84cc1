"""Readable history diffs and entrenchment checks."""

from dataclasses import replace
from fractions import Fraction

from deliberate.core.rules import (
    Rulebook,
    diff_rulebooks,
    entrenched_changes,
    rulebook_entrenched_changes,
)
from deliberate.core.rules.presets import madrid_consul, momentum_2017


def test_identical_rulebooks_have_no_changes():
    book = Rulebook({"motion": momentum_2017()})
    assert diff_rulebooks(book, Rulebook({"motion": momentum_2017()})) == []


def test_changed_quorum_is_described_in_plain_words():
    old = momentum_2017()
    new = replace(old, vote=replace(old.vote, turnout_quorum=Fraction(1, 5)))
    [change] = diff_rulebooks(Rulebook({"motion": old}), Rulebook({"motion": new}))
    assert change.path == "motion.vote.turnout_quorum"
    assert change.label == "Turnout quorum"
    assert change.old == "At least 30% of the electorate must vote"
    assert change.new == "At least 20% of the electorate must vote"


def test_changed_tier_shows_whichever_is_lower_wording():
    old = madrid_consul()
    new = momentum_2017()
    changes = {c.path: c for c in diff_rulebooks(Rulebook({"m": old}), Rulebook({"m": new}))}
    assert changes["m.tiers.0"].new == (
        "At 5% of members or 1,000, whichever is lower, the committee must consider it"
    )
    assert changes["m.tiers.1"].old == "(not set)"


def test_added_kind_lists_its_rules_as_new():
    changes = diff_rulebooks(Rulebook({}), Rulebook({"motion": momentum_2017()}))
    assert changes[0].path == "motion.name"
    assert all(change.old == "(not set)" for change in changes)


def test_entrenched_quorum_change_is_flagged():
    old = replace(momentum_2017(), entrenched=frozenset({"vote.turnout_quorum"}))
    new = replace(old, vote=replace(old.vote, turnout_quorum=Fraction(1, 5)))
    assert entrenched_changes(old, new) == ["vote.turnout_quorum"]


def test_change_to_unentrenched_rule_is_not_flagged():
    old = replace(momentum_2017(), entrenched=frozenset({"vote.turnout_quorum"}))
    new = replace(old, vote=replace(old.vote, voting_days=21))
    assert entrenched_changes(old, new) == []


def test_entrenching_a_whole_section_covers_its_fields():
    old = replace(momentum_2017(), entrenched=frozenset({"tiers"}))
    new = replace(old, tiers=(old.tiers[0],), vote=old.vote)
    assert entrenched_changes(old, new) == ["tiers"]


def test_removing_the_vote_touches_an_entrenched_vote_field():
    old = replace(momentum_2017(), entrenched=frozenset({"vote.turnout_quorum"}))
    new = replace(old, tiers=old.tiers[:1], vote=None)
    assert entrenched_changes(old, new) == ["vote.turnout_quorum"]


def test_unentrenching_a_rule_is_itself_entrenched():
    old = replace(momentum_2017(), entrenched=frozenset({"co_sponsors"}))
    assert entrenched_changes(old, replace(old, entrenched=frozenset())) == ["entrenched"]


def test_removing_a_kind_touches_all_its_entrenched_rules():
    ruleset = replace(momentum_2017(), entrenched=frozenset({"co_sponsors", "vote"}))
    touched = rulebook_entrenched_changes(Rulebook({"motion": ruleset}), Rulebook({}))
    assert touched == ["motion.co_sponsors", "motion.vote"]
