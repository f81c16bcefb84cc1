"""Receipts, trackers, canonical choices and the checkpoint chain (RELIABILITY.md (c))."""

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.core.ballot_chain import (
    ChainFormatError,
    Checkpoint,
    ChoiceKind,
    ballots_digest,
    ballots_digest_sorted,
    checkpoint_digest,
    decode_choice,
    definition_digest,
    electorate_hash,
    encode_choice,
    new_receipt,
    should_checkpoint,
    tracker_for,
    verify_chain,
)

REF = "3f6c2a9e-referendum"
DEFINITION = {
    "question": "Adopt the new constitution?",
    "options": ["yes", "no", "abstain"],
    "electorate_hash": "ab" * 32,
    "opens_at": "2026-03-01T09:00:00Z",
    "closes_at": "2026-03-08T21:00:00Z",
    "rules": {"method": "yes_no", "majority": "2/3"},
}


def make_ballots(count: int, seqs: int) -> dict[int, list[tuple[str, str]]]:
    """Deterministic ballots spread over checkpoints 1..seqs."""
    by_seq: dict[int, list[tuple[str, str]]] = {seq: [] for seq in range(1, seqs + 1)}
    for i in range(count):
        tracker = tracker_for(REF, f"receipt-{i}")
        by_seq[i % seqs + 1].append((tracker, ("yes", "no", "abstain")[i % 3]))
    return by_seq


def seal_all(by_seq: dict[int, list[tuple[str, str]]]) -> list[Checkpoint]:
    chain, prev = [], definition_digest(DEFINITION)
    for seq in sorted(by_seq):
        chain.append(Checkpoint.seal(REF, seq, prev, by_seq[seq]))
        prev = chain[-1].digest
    return chain


@pytest.fixture
def chain_and_ballots():
    by_seq = make_ballots(30, 3)
    return seal_all(by_seq), by_seq


def test_receipts_carry_128_bits_and_do_not_repeat():
    receipts = {new_receipt() for _ in range(200)}
    assert len(receipts) == 200
    assert all(len(receipt) == 22 for receipt in receipts)


def test_tracker_is_hex_sha256_bound_to_the_referendum():
    tracker = tracker_for(REF, "receipt")
    assert len(tracker) == 64 and int(tracker, 16) >= 0
    assert tracker == tracker_for(REF, "receipt")
    assert tracker != tracker_for("other", "receipt")


def test_tracker_framing_keeps_fields_apart():
    assert tracker_for("ab", "c") != tracker_for("a", "bc")


def test_definition_digest_ignores_key_order_but_not_content():
    reordered = dict(reversed(list(DEFINITION.items())))
    assert definition_digest(reordered) == definition_digest(DEFINITION)
    assert definition_digest({**DEFINITION, "question": "Adopt it?"}) != definition_digest(
        DEFINITION
    )


def test_definition_digest_refuses_floats():
    with pytest.raises(ChainFormatError):
        definition_digest({**DEFINITION, "quorum": 0.2})


@given(st.lists(st.text(alphabet="abcdef0123456789-", min_size=1), unique=True), st.randoms())
def test_electorate_hash_does_not_depend_on_order(member_ids, rnd):
    shuffled = list(member_ids)
    rnd.shuffle(shuffled)
    assert electorate_hash(shuffled) == electorate_hash(member_ids)


def test_electorate_hash_refuses_duplicates_and_newlines():
    with pytest.raises(ChainFormatError):
        electorate_hash(["m1", "m2", "m1"])
    with pytest.raises(ChainFormatError):
        electorate_hash(["m1\nm2"])


def test_electorate_hash_changes_when_a_member_is_added():
    assert electorate_hash(["m1", "m2"]) != electorate_hash(["m1", "m2", "m3"])


@given(st.permutations(make_ballots(12, 1)[1]))
def test_ballots_digest_does_not_depend_on_order(lines):
    assert ballots_digest(lines) == ballots_digest(sorted(lines))


def test_sorted_variant_streams_a_generator_and_agrees():
    lines = sorted(make_ballots(20, 1)[1])
    assert ballots_digest_sorted(line for line in lines) == ballots_digest(reversed(lines))


@pytest.mark.parametrize("swap", [True, False], ids=["out_of_order", "repeated_tracker"])
def test_sorted_variant_refuses_bad_order(swap):
    lines = sorted(make_ballots(5, 1)[1])
    lines = [lines[1], lines[0], *lines[2:]] if swap else [lines[0], *lines]
    with pytest.raises(ChainFormatError):
        ballots_digest_sorted(iter(lines))


@pytest.mark.parametrize(
    "line", [("ABC", "yes"), ("a" * 64, "yes\nno"), ("g" * 64, "yes")], ids=str
)
def test_ballots_digest_refuses_lines_it_cannot_frame(line):
    with pytest.raises(ChainFormatError):
        ballots_digest([line])


def test_ballots_digest_is_sha256_of_pipe_lines():
    import hashlib

    tracker = "0" * 64
    assert (
        ballots_digest([(tracker, "yes")])
        == hashlib.sha256(f"{tracker}|yes\n".encode()).hexdigest()
    )


def test_intact_chain_verifies(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    assert verify_chain(definition_digest(DEFINITION), chain, by_seq) == []


def test_flipped_ballot_breaks_its_checkpoint(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    tracker, choice = by_seq[2][4]
    by_seq[2][4] = (tracker, "no" if choice != "no" else "yes")
    problems = verify_chain(definition_digest(DEFINITION), chain, by_seq)
    assert problems and problems[0].startswith("checkpoint 2:")


def test_removed_ballot_breaks_its_checkpoint(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    del by_seq[3][0]
    problems = verify_chain(definition_digest(DEFINITION), chain, by_seq)
    assert problems[0] == "checkpoint 3: records 10 ballots but 9 are assigned to it"


def test_added_ballot_breaks_its_checkpoint(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    by_seq[1].append((tracker_for(REF, "stuffed"), "yes"))
    problems = verify_chain(definition_digest(DEFINITION), chain, by_seq)
    assert problems[0].startswith("checkpoint 1:")


def test_reordered_checkpoints_break_the_chain(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    problems = verify_chain(definition_digest(DEFINITION), [chain[0], chain[2], chain[1]], by_seq)
    assert problems[0].startswith("checkpoint 3: found at position 2")


def test_checkpoint_resealed_after_tampering_breaks_the_next_link(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    by_seq[1][0] = (by_seq[1][0][0], "abstain" if by_seq[1][0][1] != "abstain" else "no")
    chain[0] = Checkpoint.seal(REF, 1, chain[0].prev_digest, by_seq[1])
    problems = verify_chain(definition_digest(DEFINITION), chain, by_seq)
    assert problems == ["checkpoint 2: prev_digest does not match the digest before it"]


def test_edited_checkpoint_field_breaks_its_digest(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    chain[1] = dataclasses.replace(chain[1], referendum_id="other")
    problems = verify_chain(definition_digest(DEFINITION), chain, by_seq)
    assert any(p.startswith("checkpoint 2: digest does not match") for p in problems)


def test_changed_definition_breaks_checkpoint_one(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    changed = definition_digest({**DEFINITION, "closes_at": "2026-03-09T21:00:00Z"})
    assert verify_chain(changed, chain, by_seq)[0].startswith("checkpoint 1: prev_digest")


def test_ballots_in_an_unknown_checkpoint_are_reported(chain_and_ballots):
    chain, by_seq = chain_and_ballots
    by_seq[4] = [(tracker_for(REF, "late"), "yes")]
    problems = verify_chain(definition_digest(DEFINITION), chain, by_seq)
    assert problems == ["ballots assigned to checkpoints that do not exist: [4]"]


def test_checkpoint_digest_covers_every_field():
    base = (REF, 1, "a" * 64, 5, "b" * 64)
    digest = checkpoint_digest(*base)
    for index, changed in enumerate((REF + "x", 2, "c" * 64, 6, "d" * 64)):
        fields = list(base)
        fields[index] = changed
        assert checkpoint_digest(*fields) != digest


@pytest.mark.parametrize(
    ("waiting", "minutes", "closing", "expected"),
    [
        (19, 60, False, False),  # k - 1 ballots: wait for a bigger batch
        (20, 60, False, True),  # exactly k after T
        (21, 60, False, True),
        (20, 29.9, False, False),  # k ballots but before T
        (20, 30, False, True),  # exactly T
        (1, 0, True, True),  # a final batch at close, however small
        (0, 60, True, False),  # nothing left to seal
    ],
)
def test_should_checkpoint_boundaries(waiting, minutes, closing, expected):
    assert should_checkpoint(waiting, minutes, k=20, t_minutes=30, closing=closing) is expected


option_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True)


@given(
    st.one_of(
        st.tuples(st.just(ChoiceKind.YES_NO), st.sampled_from(["yes", "no", "abstain"])),
        st.tuples(st.just(ChoiceKind.SINGLE), option_ids),
        st.tuples(st.just(ChoiceKind.APPROVAL), st.frozensets(option_ids, max_size=5)),
        st.tuples(
            st.just(ChoiceKind.RANKING),
            st.lists(option_ids, unique=True, max_size=6).map(
                lambda ids: tuple(tuple(sorted(ids[i : i + 2])) for i in range(0, len(ids), 2))
            ),
        ),
    )
)
def test_choices_round_trip_through_their_canonical_string(kind_and_value):
    kind, value = kind_and_value
    text = encode_choice(kind, value)
    assert decode_choice(text) == (kind, value)
    assert encode_choice(*decode_choice(text)) == text


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        (ChoiceKind.YES_NO, "abstain", "abstain"),
        (ChoiceKind.SINGLE, "B", "option:B"),
        (ChoiceKind.APPROVAL, ["C", "A"], "approve:A,C"),
        (ChoiceKind.APPROVAL, [], "approve:"),
        (ChoiceKind.RANKING, ["A", ["C", "B"]], "rank:A>B=C"),
    ],
)
def test_choice_encoding_table(kind, value, text):
    assert encode_choice(kind, value) == text


@pytest.mark.parametrize(
    "text",
    ["Yes", "option:", "approve:C,A", "approve:A,A", "rank:A>A", "rank:C=B", "rank:A>>B", "x:y"],
)
def test_non_canonical_choices_are_refused(text):
    with pytest.raises(ChainFormatError):
        decode_choice(text)
