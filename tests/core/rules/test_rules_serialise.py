"""Storage form: exact round trips, canonical JSON, stable hashes, strict parsing."""

import copy
import json
from fractions import Fraction

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.rules import (
    Rulebook,
    canonical_json,
    rulebook_from_dict,
    rulebook_hash,
    rulebook_to_dict,
    ruleset_from_dict,
    ruleset_hash,
    ruleset_to_dict,
)
from deliberate.core.rules.presets import PRESETS, momentum_2017


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_round_trips_exactly_through_json(preset):
    ruleset = PRESETS[preset]()
    stored = json.loads(canonical_json(ruleset_to_dict(ruleset)))
    assert ruleset_from_dict(stored) == ruleset
    assert ruleset_hash(ruleset_from_dict(stored)) == ruleset_hash(ruleset)


def test_fractions_are_stored_as_n_over_d_strings():
    stored = ruleset_to_dict(momentum_2017())
    assert stored["tiers"][0]["threshold"]["share"] == "1/20"
    assert stored["vote"]["turnout_quorum"] == "3/10"
    assert stored["vote"]["majority"]["share"] == "1/2"


def test_canonical_json_sorts_keys_and_has_no_spaces():
    assert canonical_json({"b": 1, "a": [1, {"d": None, "c": "x"}]}) == (
        '{"a":[1,{"c":"x","d":null}],"b":1}'
    )


def test_canonical_json_refuses_floats():
    with pytest.raises(ValidationError, match="no floats"):
        canonical_json({"share": 0.05})


def test_hash_is_sha256_of_canonical_json():
    import hashlib

    ruleset = momentum_2017()
    expected = hashlib.sha256(canonical_json(ruleset).encode()).hexdigest()
    assert ruleset_hash(ruleset) == expected
    assert len(expected) == 64


def test_changing_one_rule_changes_the_hash():
    stored = ruleset_to_dict(momentum_2017())
    stored["vote"]["turnout_quorum"] = "31/100"
    assert ruleset_hash(ruleset_from_dict(stored)) != ruleset_hash(momentum_2017())


def test_unreduced_fraction_is_read_as_the_same_rule():
    stored = ruleset_to_dict(momentum_2017())
    stored["vote"]["turnout_quorum"] = "6/20"
    assert ruleset_hash(ruleset_from_dict(stored)) == ruleset_hash(momentum_2017())


def test_rulebook_round_trips_and_hashes_stably():
    book = Rulebook({name: build() for name, build in PRESETS.items()})
    stored = json.loads(canonical_json(rulebook_to_dict(book)))
    assert rulebook_from_dict(stored) == book
    assert rulebook_hash(rulebook_from_dict(stored)) == rulebook_hash(book)
    assert stored["schema"] == 1


def _momentum_with(change):
    stored = copy.deepcopy(ruleset_to_dict(momentum_2017()))
    change(stored)
    return stored


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("name"), "missing name"),
        (lambda d: d.update(colour="red"), "unknown fields: colour"),
        (lambda d: d["vote"].update(turnout_quorum=0.3), "fraction 'n/d'"),
        (lambda d: d["vote"].update(turnout_quorum="3/0"), "fraction 'n/d'"),
        (lambda d: d["vote"].update(turnout_quorum="130/100"), "more than 100%"),
        (lambda d: d["tiers"][0]["threshold"].update(share="1.5/20"), "fraction 'n/d'"),
        (lambda d: d["tiers"][0].update(consequence="riot"), "must be one of"),
        (lambda d: d["tiers"].reverse(), "must never need fewer"),
        (lambda d: d.update(tiers={}), "must be a list"),
        (lambda d: d.update(co_sponsors="5"), "whole number"),
        (lambda d: d.update(co_sponsors=-2), "at least 0"),
        (lambda d: d["eligibility"].update(statuses=["active", 3]), "list of text"),
        (lambda d: d["eligibility"].update(counted_until="never"), "must be one of"),
        (lambda d: d["admission"].update(is_required="yes"), "true or false"),
        (lambda d: d.update(entrenched=["vote.colour"]), "cannot|not a rule"),
        (lambda d: d.update(vote=[]), "must be an object"),
    ],
)
def test_bad_stored_rule_set_is_refused_with_validation_error(change, message):
    with pytest.raises(ValidationError, match=message):
        ruleset_from_dict(_momentum_with(change))


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"schema": 2, "rulesets": {}},
        {"schema": 1, "rulesets": []},
        {"schema": 1, "rulesets": {"Bad Kind": ruleset_to_dict(momentum_2017())}},
        {"schema": 1},
    ],
)
def test_bad_stored_rulebook_is_refused_with_validation_error(data):
    with pytest.raises(ValidationError):
        rulebook_from_dict(data)


def test_status_order_does_not_change_the_hash():
    stored = ruleset_to_dict(momentum_2017())
    stored["eligibility"]["statuses"] = ["suspended", "active"]
    again = copy.deepcopy(stored)
    again["eligibility"]["statuses"] = ["active", "suspended"]
    assert ruleset_hash(ruleset_from_dict(stored)) == ruleset_hash(ruleset_from_dict(again))


def test_stored_share_is_exact_not_float():
    rebuilt = ruleset_from_dict(ruleset_to_dict(momentum_2017()))
    assert rebuilt.vote.turnout_quorum == Fraction(3, 10)
    assert isinstance(rebuilt.vote.turnout_quorum, Fraction)
