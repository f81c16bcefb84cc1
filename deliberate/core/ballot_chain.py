"""Secret-ballot primitives: receipts, trackers, canonical choices and the checkpoint chain.

Pure and database-free (RELIABILITY.md section (c)). Every hash here is SHA-256, rendered
as 64 lowercase hex characters, and every construction is spelled out in
docs/bundle-format.md so that an auditor can re-implement it without this code.

Field framing: where several values are hashed together they are framed as netstrings,
``<decimal byte length>:<UTF-8 bytes>,`` one after another, starting with a version tag.
Unlike a bare ``a|b`` join this stays unambiguous whatever characters a field contains.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from deliberate.core.errors import ValidationError

TRACKER_TAG = "deliberate.tracker.v1"
CHECKPOINT_TAG = "deliberate.checkpoint.v1"
HEX64 = re.compile(r"[0-9a-f]{64}")
OPTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
YES_NO_VALUES = ("yes", "no", "abstain")


class ChainFormatError(ValidationError):
    """A value that cannot enter a hash construction (bad tracker, newline in a choice...)."""


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def netstrings(*fields: str) -> bytes:
    """Frame fields as concatenated netstrings: ``len:bytes,`` per field, UTF-8."""
    out = bytearray()
    for field in fields:
        raw = field.encode("utf-8")
        out += b"%d:%s," % (len(raw), raw)
    return bytes(out)


def canonical_json(value: object) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8, no floats (they do not round-trip)."""
    _reject_floats(value)
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _reject_floats(value: object) -> None:
    if isinstance(value, float):
        raise ChainFormatError("floats are not allowed in hashed JSON; use strings or integers")
    if isinstance(value, Mapping):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


# --- receipts and trackers -------------------------------------------------------------


def new_receipt() -> str:
    """A fresh voter receipt: 16 random bytes (128 bits), URL-safe base64, 22 characters."""
    return secrets.token_urlsafe(16)


def tracker_for(referendum_id: str, receipt: str) -> str:
    """A receipt's public tracker: SHA-256 of netstrings(TRACKER_TAG, referendum_id, receipt)."""
    return _sha256_hex(netstrings(TRACKER_TAG, referendum_id, receipt))


# --- commitments -----------------------------------------------------------------------


def definition_digest(definition: Mapping) -> str:
    """Checkpoint 0: SHA-256 of the canonical JSON of the referendum definition."""
    return _sha256_hex(canonical_json(definition))


def electorate_hash(member_ids: Iterable[str]) -> str:
    """Order-independent hash of the eligible members: SHA-256 of ``id\\n`` lines, ids sorted.

    Sorting is by code point, which is the same as sorting the UTF-8 bytes. Duplicates and
    ids containing a newline are refused, so two different electorates never share a hash.
    """
    hasher = hashlib.sha256()
    previous: str | None = None
    for member_id in sorted(member_ids):
        if "\n" in member_id or "\r" in member_id:
            raise ChainFormatError("a member id contains a line break")
        if member_id == previous:
            raise ChainFormatError(f"member id {member_id!r} appears twice")
        hasher.update(member_id.encode("utf-8") + b"\n")
        previous = member_id
    return hasher.hexdigest()


def _ballot_line(tracker: str, choice: str) -> bytes:
    if not HEX64.fullmatch(tracker):
        raise ChainFormatError(f"tracker {tracker!r} is not 64 lowercase hex characters")
    if "\n" in choice or "\r" in choice:
        raise ChainFormatError("a choice contains a line break")
    return f"{tracker}|{choice}\n".encode()


def sorted_ballots_digest_and_count(lines: Iterable[tuple[str, str]]) -> tuple[str, int]:
    """Stream (tracker, choice) pairs already sorted by tracker: return (digest, count).

    Holds one line at a time. Refuses input that is out of order or repeats a tracker,
    rather than silently producing a digest nobody else could reproduce.
    """
    hasher = hashlib.sha256()
    previous = ""
    count = 0
    for tracker, choice in lines:
        if tracker <= previous:
            raise ChainFormatError(f"trackers not strictly increasing at {tracker!r}")
        hasher.update(_ballot_line(tracker, choice))
        previous = tracker
        count += 1
    return hasher.hexdigest(), count


def ballots_digest_sorted(lines: Iterable[tuple[str, str]]) -> str:
    """Digest of (tracker, choice) pairs that the caller promises are sorted; checked as it goes."""
    return sorted_ballots_digest_and_count(lines)[0]


def ballots_digest(lines: Iterable[tuple[str, str]]) -> str:
    """SHA-256 of ``tracker|choice\\n`` lines sorted by tracker (sorts in memory first)."""
    return ballots_digest_sorted(sorted(lines))


# --- checkpoints -----------------------------------------------------------------------


def checkpoint_digest(
    referendum_id: str, seq: int, prev_digest: str, n: int, ballots_digest: str
) -> str:
    """SHA-256 of netstrings(CHECKPOINT_TAG, referendum_id, seq, prev_digest, n, ballots_digest)."""
    return _sha256_hex(
        netstrings(CHECKPOINT_TAG, referendum_id, str(seq), prev_digest, str(n), ballots_digest)
    )


@dataclass(frozen=True)
class Checkpoint:
    """One link of the chain: a batch of n ballots, sealed after the previous link."""

    referendum_id: str
    seq: int
    prev_digest: str
    n: int
    ballots_digest: str
    digest: str

    @classmethod
    def seal(
        cls, referendum_id: str, seq: int, prev_digest: str, lines: Iterable[tuple[str, str]]
    ) -> Checkpoint:
        """Build the checkpoint for a batch of (tracker, choice) pairs, in any order."""
        digest_of_ballots, n = sorted_ballots_digest_and_count(sorted(lines))
        digest = checkpoint_digest(referendum_id, seq, prev_digest, n, digest_of_ballots)
        return cls(referendum_id, seq, prev_digest, n, digest_of_ballots, digest)


def verify_chain(
    definition_digest: str,
    checkpoints: Sequence[Checkpoint],
    ballots_by_seq: Mapping[int, Iterable[tuple[str, str]]],
) -> list[str]:
    """Recompute the chain from checkpoint 0; return problems in chain order (empty = ok).

    Checkpoints must be given in order, numbered 1, 2, ...; the first links to the
    definition digest. The first problem names the first broken checkpoint.
    """
    problems: list[str] = []
    prev = definition_digest
    referendum_ids = {cp.referendum_id for cp in checkpoints}
    if len(referendum_ids) > 1:
        problems.append(f"checkpoints belong to several referendums: {sorted(referendum_ids)}")
    for position, cp in enumerate(checkpoints, start=1):
        problems.extend(_checkpoint_problems(cp, position, prev, ballots_by_seq.get(cp.seq, ())))
        prev = cp.digest
    extra = sorted(set(ballots_by_seq) - {cp.seq for cp in checkpoints})
    if extra:
        problems.append(f"ballots assigned to checkpoints that do not exist: {extra}")
    return problems


def _checkpoint_problems(
    cp: Checkpoint, position: int, prev: str, lines: Iterable[tuple[str, str]]
) -> list[str]:
    name = f"checkpoint {cp.seq}"
    problems = []
    if cp.seq != position:
        problems.append(f"{name}: found at position {position}; the chain is out of order")
    if cp.prev_digest != prev:
        problems.append(f"{name}: prev_digest does not match the digest before it")
    try:
        digest_of_ballots, n = ballots_digest_and_count_any_order(lines)
    except ChainFormatError as error:
        return [*problems, f"{name}: {error.message}"]
    if n != cp.n:
        problems.append(f"{name}: records {cp.n} ballots but {n} are assigned to it")
    if digest_of_ballots != cp.ballots_digest:
        problems.append(f"{name}: ballots_digest does not match its ballots")
    recomputed = checkpoint_digest(
        cp.referendum_id, cp.seq, cp.prev_digest, cp.n, cp.ballots_digest
    )
    if recomputed != cp.digest:
        problems.append(f"{name}: digest does not match its own fields")
    return problems


def ballots_digest_and_count_any_order(lines: Iterable[tuple[str, str]]) -> tuple[str, int]:
    """(digest, count) of a batch given in any order (sorted in memory; one batch at a time)."""
    return sorted_ballots_digest_and_count(sorted(lines))


def should_checkpoint(
    waiting: int, minutes_since_last: float, k: int, t_minutes: float, closing: bool
) -> bool:
    """Whether to seal the waiting ballots now: k or more after T minutes, or any at close.

    Why batches and not one link per ballot: a per-ballot chain records cast order, and
    cast order plus anything that reveals when a member voted (an access log, the time of a
    confirmation email) links members to choices. A batch of at least k ballots, sorted by
    random tracker, only says "these k were cast in this window". Waiting T minutes as well
    stops a quiet period from producing batches of exactly k that are easy to correlate.
    At close every remaining ballot is sealed, even fewer than k, so nothing is left
    outside the chain (the last batch is the weakest: see RELIABILITY.md limit 3).
    """
    if waiting <= 0:
        return False
    if closing:
        return True
    return waiting >= k and minutes_since_last >= t_minutes


# --- canonical choices -----------------------------------------------------------------


class ChoiceKind(Enum):
    """How a ballot's choice is shaped, which fixes its canonical string."""

    YES_NO = "yes_no"
    SINGLE = "single"
    APPROVAL = "approval"
    RANKING = "ranking"


def _check_option(option_id: str) -> str:
    if not isinstance(option_id, str) or not OPTION_ID.fullmatch(option_id):
        raise ChainFormatError(
            f"option id {option_id!r} must be 1-64 of A-Z a-z 0-9 _ . - starting alphanumeric"
        )
    return option_id


def encode_choice(kind: ChoiceKind, value: object) -> str:
    """The canonical string of a choice (format in docs/bundle-format.md, "Choices").

    YES_NO "yes" | "no" | "abstain"; SINGLE "option:<id>"; APPROVAL "approve:<id>,<id>"
    (ids sorted, no repeats, possibly none); RANKING "rank:A>B=C" where ">" separates
    preference levels and "=" joins options ranked equal (sorted within a level).
    """
    if kind is ChoiceKind.YES_NO:
        if value not in YES_NO_VALUES:
            raise ChainFormatError(f"a yes/no choice must be one of {YES_NO_VALUES}")
        return str(value)
    if kind is ChoiceKind.SINGLE:
        return "option:" + _check_option(value)  # type: ignore[arg-type]
    if kind is ChoiceKind.APPROVAL:
        ids = [_check_option(option) for option in value]  # type: ignore[attr-defined]
        if len(set(ids)) != len(ids):
            raise ChainFormatError("an approval ballot names an option twice")
        return "approve:" + ",".join(sorted(ids))
    return "rank:" + _encode_ranking(value)


def _encode_ranking(value: object) -> str:
    levels = []
    seen: set[str] = set()
    for level in value:  # type: ignore[attr-defined]
        ids = [level] if isinstance(level, str) else list(level)
        if not ids:
            raise ChainFormatError("a ranking has an empty preference level")
        for option in ids:
            _check_option(option)
            if option in seen:
                raise ChainFormatError(f"a ranking names option {option!r} twice")
            seen.add(option)
        levels.append("=".join(sorted(ids)))
    return ">".join(levels)


def decode_choice(text: str) -> tuple[ChoiceKind, object]:
    """Parse a canonical choice string; refuses any non-canonical spelling.

    Returns (kind, value): YES_NO -> str, SINGLE -> option id, APPROVAL -> frozenset of ids,
    RANKING -> tuple of preference levels, each a tuple of sorted ids.
    """
    if text in YES_NO_VALUES:
        return ChoiceKind.YES_NO, text
    kind, value = _parse_prefixed(text)
    if encode_choice(kind, value) != text:
        raise ChainFormatError(f"choice {text!r} is not in canonical form")
    return kind, value


def _parse_prefixed(text: str) -> tuple[ChoiceKind, object]:
    prefix, sep, rest = text.partition(":")
    if not sep:
        raise ChainFormatError(f"unrecognised choice {text!r}")
    if prefix == "option":
        return ChoiceKind.SINGLE, rest
    if prefix == "approve":
        return ChoiceKind.APPROVAL, frozenset(rest.split(",")) if rest else frozenset()
    if prefix == "rank":
        levels = tuple(tuple(level.split("=")) for level in rest.split(">")) if rest else ()
        return ChoiceKind.RANKING, levels
    raise ChainFormatError(f"unrecognised choice {text!r}")
