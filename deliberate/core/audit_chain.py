"""Hash chain for the audit log: each entry's hash covers its content and the previous hash.

Changing, removing or reordering any entry changes every hash after it, so a verifier
that recomputes the chain names the first entry that no longer fits.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    """The hashed content of one audit entry."""

    seq: int
    at: str  # ISO 8601, UTC
    actor: str
    action: str
    payload_json: str
    prev_hash: str
    hash: str


def canonical_payload(payload: Mapping) -> str:
    """JSON with sorted keys and no insignificant whitespace, so the hash is stable."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(seq: int, at: str, actor: str, action: str, payload_json: str, prev: str) -> str:
    """SHA-256 over the fields, each length-prefixed so no two field splits collide."""
    digest = hashlib.sha256()
    for field in (str(seq), at, actor, action, payload_json, prev):
        encoded = field.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def first_broken(entries: Iterable[ChainEntry]) -> tuple[int, str] | None:
    """The seq of the first entry that breaks the chain and why, or None if it holds."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in entries:
        if entry.seq != expected_seq:
            return entry.seq, f"expected entry {expected_seq} here, found {entry.seq}"
        if entry.prev_hash != expected_prev:
            return entry.seq, "its previous-hash does not match the entry before it"
        recomputed = entry_hash(
            entry.seq, entry.at, entry.actor, entry.action, entry.payload_json, entry.prev_hash
        )
        if recomputed != entry.hash:
            return entry.seq, "its content does not match its hash"
        expected_prev = entry.hash
        expected_seq += 1
    return None
