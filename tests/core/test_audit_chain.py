"""The audit chain in isolation: any edit, removal or reordering is caught."""

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from deliberate.core.audit_chain import GENESIS_HASH, ChainEntry, entry_hash, first_broken


def build_chain(actions: list[str]) -> list[ChainEntry]:
    entries, prev = [], GENESIS_HASH
    for seq, action in enumerate(actions, start=1):
        at = f"2026-01-01T00:00:{seq:02d}"
        digest = entry_hash(seq, at, "system", action, "{}", prev)
        entries.append(ChainEntry(seq, at, "system", action, "{}", prev, digest))
        prev = digest
    return entries


@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=30))
def test_an_untouched_chain_verifies(actions):
    assert first_broken(build_chain(actions)) is None


@given(st.lists(st.text(min_size=1, max_size=20), min_size=2, max_size=30), st.data())
def test_editing_any_entry_is_caught_at_that_entry(actions, data):
    chain = build_chain(actions)
    index = data.draw(st.integers(0, len(chain) - 1))
    chain[index] = replace(chain[index], action=chain[index].action + "!")
    assert first_broken(chain)[0] == index + 1


def test_swapping_two_entries_is_caught():
    chain = build_chain(["a", "b", "c"])
    chain[1], chain[2] = chain[2], chain[1]
    assert first_broken(chain)[0] == 3


def test_field_boundaries_cannot_be_shifted():
    # Without length prefixes, ("ab", "c") and ("a", "bc") would hash alike.
    assert entry_hash(1, "t", "ab", "c", "{}", GENESIS_HASH) != entry_hash(
        1, "t", "a", "bc", "{}", GENESIS_HASH
    )
