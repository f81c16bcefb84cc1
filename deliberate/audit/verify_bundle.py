#!/usr/bin/env python3
"""Verify a Deliberate auditor's bundle: python verify_bundle.py BUNDLE.zip [--public-key KEY].

Standalone on purpose: the standard library plus, for the signature only, the
"cryptography" package. It does not import Deliberate, so an auditor can read it in one
sitting and run it anywhere. The format it checks is docs/bundle-format.md.

Beyond the signature and the checkpoint chain it recounts ballots.csv and checks the
official result the platform declared against that recount: the tallies, a yes/no vote's
pass or fail under its frozen vote rules, the most-voted winners of plurality and
approval, and the double yes's winner. It does not rerun IRV, STV or Schulze; it says so.

Every check prints one line starting with "ok" or "FAILED"; notes start with "WARNING".
Exit status: 0 if every check held, 1 if any failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import struct
import sys
import zipfile
import zlib
from contextlib import contextmanager
from fractions import Fraction

FORMAT = "deliberate-bundle/1"
CHECKPOINT_TAG = "deliberate.checkpoint.v1"
HEX64 = re.compile(r"[0-9a-f]{64}")
OPTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
YES_NO = ("yes", "no", "abstain")
PREFERENCES = ("initiative", "counter", "none")  # the double yes's deciding question
TEXTS = ("initiative", "counter")
RANKED_METHODS = ("ranked", "irv", "stv", "schulze", "borda", "condorcet")
CHOICE_KIND = {
    "yes_no": "yes_no",
    "plurality": "single",
    "approval": "approval",
    "double_yes": "double_yes",
} | dict.fromkeys(RANKED_METHODS, "ranking")
SIGNED = ("manifest.json", "manifest.sig")
ZIP_EXTERNAL_ATTR = 0o100644 << 16  # regular file, rw-r--r--
LOCAL = struct.Struct("<4s5H3L2H")  # local file header, 30 bytes
CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory entry, 46 bytes
EOCD = struct.Struct("<4s4H2LH")  # end of central directory record, 22 bytes


class Report:
    """Prints one line per check and remembers whether any failed."""

    def __init__(self) -> None:
        self.failures = 0

    def ok(self, message: str) -> None:
        print(f"ok {message}")

    def failed(self, message: str) -> None:
        self.failures += 1
        print(f"FAILED {message}")

    def warn(self, message: str) -> None:
        print(f"WARNING {message}")

    @contextmanager
    def guard(self, what: str):
        """Turn an unexpected error inside a check into a FAILED line instead of a traceback."""
        try:
            yield
        except Exception as error:  # noqa: BLE001 - a verifier must report, never crash
            self.failed(f"{what}: {type(error).__name__}: {error}")


def netstrings(*fields: str) -> bytes:
    """``len:bytes,`` per UTF-8 field: the framing of every multi-field hash."""
    return b"".join(b"%d:%s," % (len(f.encode()), f.encode()) for f in fields)


def canonical_json(value: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes whose SHA-256 is the definition digest."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def unescape_cell(value: str) -> str:
    """Undo the formula-injection rule: drop one leading apostrophe."""
    return value[1:] if value.startswith("'") else value


def read_csv(archive: zipfile.ZipFile, name: str):
    """Yield the unescaped rows of a CSV member, streaming."""
    with archive.open(name) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        for row in csv.reader(text, strict=True):
            yield [unescape_cell(cell) for cell in row]


# --- container and manifest ------------------------------------------------------------


def check_layout(path: str, report: Report) -> None:
    """The zip has exactly the canonical shape the writer produces, so stray bytes show up.

    Parsed here by hand rather than trusted to zipfile, which ignores fields it does not
    need. Each member's deflate stream is also decoded here: it must end exactly at its
    compressed size and give exactly the recorded size and CRC-32.
    """
    with open(path, "rb") as handle:
        problems = layout_problems(handle)
    if problems:
        report.failed("zip layout: " + "; ".join(problems[:3]))
    else:
        report.ok("zip layout: canonical headers, sizes and CRCs, no stray bytes")


def layout_problems(handle) -> list[str]:
    """Every structural difference from the canonical layout (empty when there is none)."""
    size = handle.seek(0, 2)
    handle.seek(size - 22)
    sig, disk, disk_cd, n_here, n_total, cd_size, cd_offset, comment = EOCD.unpack(handle.read(22))
    if (sig, disk, disk_cd, n_here, comment) != (b"PK\x05\x06", 0, 0, n_total, 0):
        return ["end-of-central-directory record is not canonical"]
    if cd_offset + cd_size + 22 != size:
        return ["bytes between the central directory and its end record"]
    handle.seek(cd_offset)
    try:
        entries = central_entries(handle.read(cd_size), n_total)
    except ValueError as error:
        return [str(error)]
    position, problems = 0, []
    for entry in entries:
        if entry["offset"] != position:
            problems.append(f"{entry['name']!r}: bytes before its local header")
        position, member_problems = check_member(handle, entry)
        problems += member_problems
    if position != cd_offset:
        problems.append("bytes between the last member and the central directory")
    return problems


def central_entries(blob: bytes, count: int) -> list[dict]:
    """Parse the central directory, insisting on the fixed values the writer always uses."""
    entries, p = [], 0
    for _ in range(count):
        fields = CENTRAL.unpack_from(blob, p)
        sig, made_by, needed, flags, method, time_, date, crc, csize, usize = fields[:10]
        name_len, extra_len, comment_len, disk, internal, external, offset = fields[10:]
        name = blob[p + 46 : p + 46 + name_len].decode("ascii", "replace")
        fixed = (sig, made_by, needed, method, time_, date, extra_len, comment_len, disk, internal)
        want = (b"PK\x01\x02", 0x0314, 20, 8, 0, 33, 0, 0, 0, 0)
        if fixed != want or flags not in (0, 8) or external != ZIP_EXTERNAL_ATTR:
            raise ValueError(f"{name!r}: central directory entry is not canonical")
        entries.append(
            {"name": name, "flags": flags, "crc": crc, "csize": csize, "usize": usize}
            | {"offset": offset, "raw_name": blob[p + 46 : p + 46 + name_len]}
        )
        p += 46 + name_len
    if p != len(blob):
        raise ValueError("central directory has trailing bytes")
    return entries


def check_member(handle, entry: dict) -> tuple[int, list[str]]:
    """Check one local header, its deflate data and descriptor; return (end offset, problems)."""
    name = entry["name"]
    handle.seek(entry["offset"])
    sig, needed, flags, method, time_, date, crc, csize, usize, name_len, extra_len = LOCAL.unpack(
        handle.read(30)
    )
    sizes = (crc, csize, usize)
    want_sizes = (0, 0, 0) if flags & 8 else (entry["crc"], entry["csize"], entry["usize"])
    header = (sig, needed, flags, method, time_, date, sizes, extra_len, handle.read(name_len))
    want = (b"PK\x03\x04", 20, entry["flags"], 8, 0, 33, want_sizes, 0, entry["raw_name"])
    if header != want:
        return entry["offset"] + 30, [f"{name!r}: local header differs from the central directory"]
    problems = inflate_problems(handle, entry)
    end = entry["offset"] + 30 + name_len + entry["csize"]
    if flags & 8:
        handle.seek(end)
        descriptor = handle.read(16)
        central = (entry["crc"], entry["csize"], entry["usize"])
        if descriptor != struct.pack("<4s3L", b"PK\x07\x08", *central):
            problems.append(f"{name!r}: data descriptor differs from the central directory")
        end += 16
    return end, problems


def inflate_problems(handle, entry: dict) -> list[str]:
    """Decode the member's raw deflate data in chunks: exact length, size and CRC-32."""
    inflater = zlib.decompressobj(-15)
    left, produced, crc = entry["csize"], 0, 0
    try:
        while left > 0:
            chunk = handle.read(min(left, 1 << 16))
            if not chunk:
                return [f"{entry['name']!r}: compressed data is truncated"]
            left -= len(chunk)
            data = inflater.decompress(chunk)
            produced, crc = produced + len(data), zlib.crc32(data, crc)
    except zlib.error as error:
        return [f"{entry['name']!r}: compressed data is corrupt ({error})"]
    if not inflater.eof or inflater.unused_data:
        return [f"{entry['name']!r}: deflate stream does not end at the compressed size"]
    if (produced, crc) != (entry["usize"], entry["crc"]):
        return [f"{entry['name']!r}: size or CRC-32 does not match the central directory"]
    return []


def check_manifest(archive: zipfile.ZipFile, report: Report) -> dict | None:
    """Every listed file has the listed SHA-256 and size, and nothing unlisted is present."""
    manifest = json.loads(archive.read("manifest.json"))
    if manifest.get("format") != FORMAT:
        report.failed(f"manifest.json: format is {manifest.get('format')!r}, expected {FORMAT!r}")
    listed = [entry["name"] for entry in manifest["files"]]
    present = [info.filename for info in archive.infolist()]
    if len(set(present)) != len(present) or len(set(listed)) != len(listed):
        report.failed("zip members: a file name appears twice")
    unlisted = sorted(set(present) - set(listed) - set(SIGNED))
    if unlisted:
        report.failed(f"zip members: not in the manifest: {', '.join(unlisted)}")
    for entry in manifest["files"]:
        name = entry["name"]
        with report.guard(name):
            if name not in present:
                report.failed(f"{name}: listed in the manifest but missing from the zip")
                continue
            digest, size = hash_member(archive, name)
            if digest != entry["sha256"]:
                report.failed(f"{name}: SHA-256 does not match the manifest")
            elif size != entry["size"]:
                report.failed(f"{name}: size {size} does not match the manifest ({entry['size']})")
            else:
                report.ok(f"{name}: SHA-256 and size match the manifest")
    return manifest


def hash_member(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    """SHA-256 and size of a member's uncompressed bytes, read in chunks (checks the CRC too)."""
    hasher = hashlib.sha256()
    size = 0
    with archive.open(name) as member:
        while chunk := member.read(1 << 16):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def check_signature(archive: zipfile.ZipFile, args: argparse.Namespace, report: Report) -> None:
    """manifest.sig is an Ed25519 signature of manifest.json's exact bytes."""
    if args.skip_signature:
        report.warn("manifest.sig: signature NOT checked (--skip-signature)")
        return
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
    except ImportError:
        report.failed(
            "manifest.sig: signature NOT checked: the 'cryptography' package is not installed "
            "(install it, or pass --skip-signature to accept an unchecked bundle)"
        )
        return
    bundled = archive.read("public_key.pem")
    if args.public_key:
        with open(args.public_key, "rb") as handle:
            pem, source = handle.read(), f"the key in {args.public_key}"
        if pem.strip() != bundled.strip():
            report.warn("public_key.pem inside the bundle differs from the key you supplied")
    else:
        pem, source = bundled, "the bundle's own public_key.pem"
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        report.failed(f"manifest.sig: {source} is not an Ed25519 public key")
        return
    try:
        key.verify(archive.read("manifest.sig"), archive.read("manifest.json"))
    except InvalidSignature:
        report.failed(f"manifest.sig: not a valid signature of manifest.json by {source}")
        return
    report.ok(f"manifest.sig: valid Ed25519 signature of manifest.json by {source}")
    if not args.public_key:
        report.warn(
            "a key shipped inside the bundle proves integrity only, not origin: "
            "pass --public-key with the organisation's key obtained separately"
        )


# --- chain and count -------------------------------------------------------------------


def check_definition(archive: zipfile.ZipFile, report: Report) -> tuple[dict, str]:
    """Checkpoint 0: the definition digest, and the electorate hash it commits to."""
    referendum = json.loads(archive.read("referendum.json"))
    electorate = json.loads(archive.read("electorate.json"))
    definition = referendum["definition"]
    digest = hashlib.sha256(canonical_json(definition)).hexdigest()
    if digest == referendum["definition_digest"]:
        report.ok(f"definition digest (checkpoint 0): {digest}")
    else:
        report.failed("referendum.json: definition_digest does not match the definition")
    # The hash sits at the top level, or (as Deliberate freezes it) under "electorate".
    frozen = definition.get("electorate_hash")
    if frozen is None and isinstance(definition.get("electorate"), dict):
        frozen = definition["electorate"].get("hash")
    if frozen == electorate["electorate_hash"]:
        report.ok(f"electorate: {electorate['electorate_size']} members, hash in the definition")
    else:
        report.failed("electorate.json: electorate_hash differs from the definition's")
    return referendum, digest


def choice_kind(method: str) -> str:
    """Which canonical choice shape a counting method takes."""
    if method not in CHOICE_KIND:
        raise ValueError(f"unknown counting method {method!r}")
    return CHOICE_KIND[method]


def parse_choice(kind: str, text: str, options: set[str]) -> list[str]:
    """The options a ballot counts for (first preferences for rankings); ValueError if invalid."""
    if kind == "yes_no":
        if text not in YES_NO:
            raise ValueError(f"{text!r} is not yes, no or abstain")
        return [text]
    if kind == "double_yes":
        return parse_double_yes(text)
    prefix = {"single": "option:", "approval": "approve:", "ranking": "rank:"}[kind]
    if not text.startswith(prefix):
        raise ValueError(f"{text!r} does not start with {prefix!r}")
    body = text[len(prefix) :]
    if kind == "single":
        levels = [[body]]
    elif kind == "approval":
        levels = [body.split(",")] if body else []
    else:
        levels = [level.split("=") for level in body.split(">")] if body else []
    named = [option for level in levels for option in level]
    if any(option not in options for option in named):
        raise ValueError(f"{text!r} names an option that is not on the ballot")
    if len(set(named)) != len(named) or any(level != sorted(level) for level in levels):
        raise ValueError(f"{text!r} is not in canonical form")
    return levels[0] if levels else []


def scan_ballots(archive: zipfile.ZipFile, kind: str, options: set[str], report: Report):
    """One streaming pass over ballots.csv: per-checkpoint digests and counts, and the tally.

    For rankings it also counts "sole" first preferences, ballots whose first level names
    exactly one option: what round 1 of an IRV or STV count holds.
    """
    hashers: dict[int, hashlib._Hash] = {}
    counts: dict[int, int] = {}
    tally: dict[str, int] = {}
    sole: dict[str, int] = {}
    problems = []
    previous = ""
    rows = read_csv(archive, "ballots.csv")
    if next(rows, None) != ["tracker", "choice", "checkpoint_seq"]:
        problems.append("header is not tracker,choice,checkpoint_seq")
    total = 0
    for number, row in enumerate(rows, start=2):
        try:
            tracker, choice, seq_text = row
            if not HEX64.fullmatch(tracker) or tracker <= previous:
                raise ValueError("tracker malformed, repeated or out of order")
            seq = int(seq_text)
            counted = parse_choice(kind, choice, options)
            for option in counted:
                tally[option] = tally.get(option, 0) + 1
            if kind == "ranking" and len(counted) == 1:
                sole[counted[0]] = sole.get(counted[0], 0) + 1
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        previous = tracker
        hashers.setdefault(seq, hashlib.sha256()).update(f"{tracker}|{choice}\n".encode())
        counts[seq] = counts.get(seq, 0) + 1
        total += 1
    if problems:
        report.failed(f"ballots.csv: {len(problems)} bad rows, first: {problems[0]}")
    else:
        report.ok(f"ballots.csv: {total} ballots, sorted by tracker, every choice valid")
    digests = {seq: hasher.hexdigest() for seq, hasher in hashers.items()}
    return digests, counts, tally, sole, total


def check_chain(archive, referendum_id, definition_digest, digests, counts, report) -> None:
    """Recompute each checkpoint from its ballots and its link to the one before."""
    prev = definition_digest
    rows = read_csv(archive, "checkpoints.csv")
    if next(rows, None) != ["seq", "prev_digest", "n", "ballots_digest", "digest"]:
        report.failed("checkpoints.csv: header is not seq,prev_digest,n,ballots_digest,digest")
        return
    seen = set()
    empty = hashlib.sha256(b"").hexdigest()
    problems = []
    for position, (seq_text, prev_digest, n_text, ballots_digest, digest) in enumerate(rows, 1):
        seq, n = int(seq_text), int(n_text)
        name = f"checkpoint {seq}"
        seen.add(seq)
        if seq != position:
            problems.append(f"{name}: found at position {position}; the chain is out of order")
        if prev_digest != prev:
            problems.append(f"{name}: prev_digest does not match the digest before it")
        if n != counts.get(seq, 0):
            problems.append(f"{name}: records {n} ballots but ballots.csv has {counts.get(seq, 0)}")
        if ballots_digest != digests.get(seq, empty):
            problems.append(f"{name}: ballots_digest does not match its ballots in ballots.csv")
        fields = (CHECKPOINT_TAG, referendum_id, seq_text, prev_digest, n_text, ballots_digest)
        if hashlib.sha256(netstrings(*fields)).hexdigest() != digest:
            problems.append(f"{name}: digest does not match its own fields")
        prev = digest
    orphans = sorted(set(counts) - seen)
    if orphans:
        problems.append(f"ballots.csv: ballots in checkpoints that do not exist: {orphans}")
    for problem in problems:
        report.failed(problem)
    if not problems:
        report.ok(f"checkpoint chain: {len(seen)} checkpoints from checkpoint 0, head {prev}")


def check_count(archive, referendum, tally, total, report) -> None:
    """Ballots == results' ballot count == participation; the recount equals the results."""
    results = json.loads(archive.read("results.json"))
    participation = json.loads(archive.read("participation.json"))
    electorate = json.loads(archive.read("electorate.json"))
    by_group = sum(participation["by_group"].values())
    figures = (total, results["ballot_count"], participation["total"], by_group)
    if len(set(figures)) == 1 and total <= electorate["electorate_size"]:
        report.ok(f"count: {total} ballots = results' ballot_count = participation by group")
    else:
        report.failed(
            "count: ballots {}, results' ballot_count {}, participation total {}, "
            "sum by group {}, electorate {} do not agree".format(
                *figures, electorate["electorate_size"]
            )
        )
    ranked = choice_kind(results["method"]) == "ranking"
    key = "first_preferences" if ranked else "totals"
    claimed = {option: votes for option, votes in results.get(key, {}).items() if votes}
    detail = differences(claimed, tally)
    if not detail:
        report.ok(f"tally: recounted {key} match results.json ({results['method']})")
    else:
        report.failed(f"tally: results.json {key} differ from the recount ({detail})")
    rows = list(read_csv(archive, "results.csv"))
    if rows[:1] == [["option", "votes"]]:
        table = {option: int(votes) for option, votes in rows[1:] if int(votes)}
        if table == claimed:
            report.ok("results.csv: agrees with results.json")
        else:
            report.failed("results.csv: differs from results.json")
    else:
        report.warn("results.csv: not in option,votes form, so not compared with the recount")


def differences(claimed: dict, counted: dict) -> str:
    """Where two tallies disagree, as "key: claimed vs counted" (empty when they agree)."""
    keys = sorted(set(claimed) | set(counted), key=str)
    pairs = [(k, claimed.get(k, 0), counted.get(k, 0)) for k in keys]
    return ", ".join(f"{k}: {a} vs {b}" for k, a, b in pairs if a != b)


def ballot_options(definition: dict, kind: str) -> set[str]:
    """The option ids a ballot may name, from the definition's "options" list."""
    if kind == "yes_no":
        return set(YES_NO)
    return set(published_order(definition))


def published_order(definition: dict) -> list[str]:
    """The option ids in the order the vote published them: a ranked count's tie order."""
    ids = [
        (o.get("id", o.get("slug")) if isinstance(o, dict) else o)
        for o in definition.get("options", [])
    ]
    return [option for option in ids if isinstance(option, str) and OPTION_ID.fullmatch(option)]


# --- the official result: what the platform declared --------------------------------


def check_official(results: dict, definition: dict, recounted: dict, report: Report) -> None:
    """results.json's "official" (the stored result) follows from the recount and the rules.

    ``recounted`` holds what this verifier counted itself: "tally" (as check_count),
    "sole" (ranked first preferences naming one option), "ballots" and "electorate".
    """
    official = results.get("official")
    kind = choice_kind(results["method"])
    if not isinstance(official, dict):
        if kind == "double_yes":
            report.failed("official result: results.json carries no official double-yes result")
        elif results.get("verdict") is not None:
            report.failed("official result: results.json has a verdict but no official result")
        else:
            report.warn("official result: results.json carries none, so no outcome is checked")
        return
    with report.guard("official result"):
        if kind == "yes_no":
            check_yes_no(official, vote_rules(definition), recounted, report)
        elif kind in ("single", "approval"):
            check_options(official, kind, definition.get("seats", 1), recounted, report)
        elif kind == "ranking":
            check_ranked(official, results["method"], definition, recounted, report)
        else:
            check_double_yes(official, vote_rules(definition), recounted, report)
    if results.get("verdict") != official.get("verdict"):
        report.failed("results.json: verdict differs from the official result's")
    else:
        report.ok("results.json: verdict is the official result's")


# --- yes/no: the tally, and whether it passed under the vote rules ---------------------

ABSTENTION_MODES = ("excluded", "against", "ignored")
FRACTION = re.compile(r"(\d+)/(\d+)")
# What core.rules.VoteRules() decides by when the definition's "vote_rules" is null.
DEFAULT_RULES = {
    "majority": {"share": "1/2", "is_strict": True},
    "turnout_quorum": None,
    "approval_quorum": None,
    "abstentions": "excluded",
    "has_double_majority": False,
}


def fraction(text: str | None) -> Fraction | None:
    """An exact "n/d" share as the definition stores it (None stays None; floats are refused)."""
    if text is None:
        return None
    match = FRACTION.fullmatch(text) if isinstance(text, str) else None
    if match is None or int(match.group(2)) == 0:
        raise ValueError(f"{text!r} is not a fraction n/d")
    return Fraction(int(match.group(1)), int(match.group(2)))


def vote_rules(definition: dict) -> dict:
    """The majority, quorums, abstention rule and double majority frozen in the definition."""
    rules = definition.get("vote_rules") or DEFAULT_RULES
    if rules["abstentions"] not in ABSTENTION_MODES:
        raise ValueError(f"unknown abstention rule {rules['abstentions']!r}")
    for flag in (rules["majority"]["is_strict"], rules["has_double_majority"]):
        if not isinstance(flag, bool):
            raise ValueError(f"{flag!r} is not true or false")
    return {
        "share": fraction(rules["majority"]["share"]),
        "is_strict": rules["majority"]["is_strict"],
        "turnout_quorum": fraction(rules["turnout_quorum"]),
        "approval_quorum": fraction(rules["approval_quorum"]),
        "abstentions": rules["abstentions"],
        "has_double_majority": rules["has_double_majority"],
    }


def majority_met(rules: dict, yes: int, cast: int) -> bool:
    """More than (strict) or at least the majority's share of the votes cast; 0 cast: no."""
    if cast == 0:
        return False
    share = Fraction(yes, cast)
    return share > rules["share"] if rules["is_strict"] else share >= rules["share"]


def cast_votes(rules: dict, yes: int, no: int, abstain: int) -> tuple[int, int]:
    """(votes counted for turnout, votes in the majority's denominator) by the abstention rule."""
    if rules["abstentions"] == "excluded":
        return yes + no + abstain, yes + no
    if rules["abstentions"] == "against":
        return yes + no + abstain, yes + no + abstain
    return yes + no, yes + no  # ignored: neither turnout nor the majority sees them


def yes_no_tests(rules: dict, electorate: int, yes: int, no: int, abstain: int) -> list:
    """The quorums and the majority of a yes/no vote, each as (name, is_met, reason).

    As core.rules.evaluate_vote: quorums are inclusive shares of the whole electorate
    (30% turnout meets a 30% quorum); turnout counts abstentions unless they are ignored;
    the approval quorum counts yes votes only. Names are those of the official "checks".
    """
    turnout_votes, cast = cast_votes(rules, yes, no, abstain)
    tests = []
    for name, what, quorum, counted in (
        ("Turnout quorum", "turnout", rules["turnout_quorum"], turnout_votes),
        ("Approval quorum", "yes votes", rules["approval_quorum"], yes),
    ):
        share = Fraction(counted, electorate) if electorate else Fraction(0)
        needed = "no quorum" if quorum is None else f"{quorum} needed"
        reason = f"{what} {counted}/{electorate} of the electorate, {needed}"
        tests.append((name, quorum is None or share >= quorum, reason))
    rule = ("more than " if rules["is_strict"] else "at least ") + str(rules["share"])
    reason = f"{yes} yes of {cast} votes cast, {rule} needed"
    tests.append(("Majority", majority_met(rules, yes, cast), reason))
    return tests


def check_yes_no(official: dict, rules: dict, recounted: dict, report: Report) -> None:
    """The official tally is the recount, and its is_passed is what the vote rules give."""
    tally, electorate = recounted["tally"], recounted["electorate"]
    claimed = {a: official["tally"][a] for a in YES_NO} | {"ballots": official["ballots"]}
    claimed["electorate"] = official["electorate"]
    counted = tally | {"ballots": recounted["ballots"], "electorate": electorate}
    detail = differences(claimed, counted)
    if detail:
        report.failed(f"official result: differs from the recount ({detail})")
    else:
        report.ok("official result: its yes, no, abstain, ballots and electorate match")
    # Judged on the recount: where the official tally differs, the ballots decide.
    votes = tuple(tally.get(answer, 0) for answer in YES_NO)
    check_passed(official, rules, electorate, votes, report)


def check_passed(official, rules, electorate, votes, report, what="official result") -> None:
    """Each official check's is_met, and is_passed, are what the vote rules give for votes.

    ``official`` is a yes/no result (or one text of a double yes, named by ``what``).
    """
    tests = yes_no_tests(rules, electorate, *votes)
    if rules["has_double_majority"]:
        tests.append(group_majority(official, rules, report, what))
    stated = {check["name"]: check["is_met"] for check in official["checks"]}
    for name, is_met, reason in tests:
        if stated.get(name, is_met) is not is_met:
            report.failed(
                f"{what}: {name} is_met is {stated[name]}, the vote rules give {is_met} ({reason})"
            )
    is_passed = electorate > 0 and all(is_met for _, is_met, _ in tests)
    failing = [reason for _, is_met, reason in tests if not is_met]
    why = "; ".join(failing or [reason for _, _, reason in tests])
    if electorate == 0:
        why = "nobody was eligible to vote"
    if official["is_passed"] is not is_passed:
        report.failed(
            f"{what}: is_passed is {official['is_passed']}, "
            f"but the vote rules give {is_passed} ({why})"
        )
    else:
        report.ok(f"{what}: {'passed' if is_passed else 'failed'} by the vote rules ({why})")


def group_majority(official: dict, rules: dict, report: Report, what: str) -> tuple:
    """The double majority's test as (name, is_met, reason), the groups judged again.

    Ballots carry no group, so the groups' figures are taken from the official result;
    each group's approval is recomputed from them. A group with too few voters is
    published without figures: then the official is_met is taken as stated, with a warning.
    """
    name, groups = "Majority of local groups", official["groups"]
    hidden = [group["group"] for group in groups if group["is_suppressed"]]
    if hidden:
        report.warn(
            f"{what}: {len(hidden)} of {len(groups)} local groups' figures are suppressed "
            "(too few voters to publish), so the majority of local groups is not "
            "recomputed; the official result's is taken as stated"
        )
        is_met = {check["name"]: check["is_met"] for check in official["checks"]}[name]
        return name, is_met, "the majority of local groups, as the official result states"
    approving = 0
    for group in groups:
        cast = cast_votes(rules, group["yes"], group["no"], group["abstain"])[1]
        is_approved = majority_met(rules, group["yes"], cast)
        if group["is_approved"] is not is_approved:
            report.failed(
                f"{what}: local group {group['group']!r} is_approved is "
                f"{group['is_approved']}, its votes give {is_approved}"
            )
        approving += is_approved
    reason = f"{approving} of {len(groups)} local groups approved, more than half needed"
    return name, 2 * approving > len(groups), reason


# --- plurality and approval: totals and the most-voted options -------------------------


def top_seats(tally: dict[str, int], seats: int) -> tuple[set[str], set[str]]:
    """(sure winners, options tied for the last seats) as core.tally.ties.top_n.

    Options with no votes are never elected, and a tie is never broken: the options level
    with the last seat's votes are all "tied" and only those above them win.
    """
    voted = {option: n for option, n in tally.items() if n > 0}
    ranked = sorted(voted.values(), reverse=True)
    if seats >= len(ranked):
        return set(voted), set()
    cutoff = ranked[seats - 1]
    if ranked[seats] != cutoff:
        return {option for option, n in voted.items() if n >= cutoff}, set()
    winners = {option for option, n in voted.items() if n > cutoff}
    return winners, {option for option, n in voted.items() if n == cutoff}


def check_options(official: dict, kind: str, seats: int, recounted: dict, report: Report) -> None:
    """The official totals are the recount, and its winners are the most-voted options."""
    count, total, tally = official["count"], recounted["ballots"], recounted["tally"]
    word = "votes for" if kind == "single" else "approvals of"
    claimed = {f"{word} {option}": n for option, n in count["tallies"].items()}
    claimed |= {"ballots": official["ballots"], "ballots in the count": count["ballots"]}
    counted = {f"{word} {option}": n for option, n in tally.items()}
    detail = differences(claimed, counted | {"ballots": total, "ballots in the count": total})
    if detail:
        report.failed(f"official result: differs from the recount ({detail})")
    else:
        report.ok("official result: its ballots and per-option totals match the recount")
    if count["seats"] != seats:
        report.failed(
            f"official result: counted for {count['seats']} seats, the definition has {seats}"
        )
    winners, tied = top_seats(tally, seats)
    stated = (set(count["winners"]), set(count.get("tied", [])))
    if stated != (winners, tied):
        report.failed(
            f"official result: names winners {sorted(stated[0])} (tied: {sorted(stated[1])}); "
            f"the recount gives {sorted(winners)} (tied: {sorted(tied)})"
        )
    else:
        report.ok(
            f"official result: winners {sorted(winners)} (tied: {sorted(tied)}) "
            f"are the most-voted options for {seats} seat(s)"
        )


# --- ranked methods: only the ballots and the first round are checked -----------------


def check_ranked(official: dict, method: str, definition: dict, recounted: dict, report) -> None:
    """The official count used these ballots and, where it shows one, this first round."""
    count, total, sole = official.get("count") or {}, recounted["ballots"], recounted["sole"]
    claimed, counted = {"ballots": official["ballots"]}, {"ballots": total}
    if "ballots" in count:
        claimed["ballots in the count"], counted["ballots in the count"] = count["ballots"], total
    if "valid" in count:  # STV: ballots with one first preference
        claimed["valid ballots"], counted["valid ballots"] = count["valid"], sum(sole.values())
    rounds = count.get("rounds")
    if rounds is not None:  # IRV and STV: round 1 holds the sole first preferences
        first = rounds[0]["tallies"] if rounds else {}
        claimed |= {f"round 1 votes for {option}": n for option, n in first.items()}
        counted |= {f"round 1 votes for {option}": n for option, n in sole.items()}
    detail = differences(claimed, counted)
    if detail:
        report.failed(f"official result: differs from the recount ({detail})")
    else:
        shown = "its ballots and round 1 match" if rounds is not None else "its ballots match"
        report.ok(f"official result: {shown} the recount ({method})")
    public_id, seats = definition.get("referendum", "<id>"), definition.get("seats", 1)
    report.warn(
        f"official result: the winners of a ranked count ({method}) are not recounted by "
        f"this verifier; download the public ballot list /referendums/{public_id}/ballots.csv "
        f"and run: flask --app app recount ballots.csv --method {method} --seats {seats} "
        f"--candidates {','.join(published_order(definition))}"
    )


# --- the double yes: initiative, counter-proposal, deciding question ---------------


def parse_double_yes(text: str) -> list[str]:
    """The three answers of "double:<initiative>,<counter>,<preference>", as results' keys."""
    parts = text.removeprefix("double:").split(",") if text.startswith("double:") else []
    if len(parts) != 3 or parts[0] not in YES_NO or parts[1] not in YES_NO:
        raise ValueError(f"{text!r} is not double:<yes|no|abstain>,<yes|no|abstain>,<preference>")
    if parts[2] not in PREFERENCES:
        raise ValueError(f"{text!r} does not end in initiative, counter or none")
    return [f"initiative:{parts[0]}", f"counter:{parts[1]}", f"prefer:{parts[2]}"]


def check_double_yes(official: dict, rules: dict, recounted: dict, report: Report) -> None:
    """The counts are the recount; each text's is_passed and the winner follow the rules."""
    tally, total = recounted["tally"], recounted["ballots"]
    counts = {f"{t}:{answer}": n for t in TEXTS for answer, n in official[t]["tally"].items()}
    counts |= {f"prefer:{p}": official["deciding"][p] for p in PREFERENCES}
    detail = differences(counts | {"ballots": official["ballots"]}, tally | {"ballots": total})
    if detail:
        report.failed(f"official result: differs from the recount ({detail})")
    else:
        report.ok("official result: its ballots and the counts of all three questions match")
    for text in TEXTS:
        votes = tuple(tally.get(f"{text}:{answer}", 0) for answer in YES_NO)
        what = f"official result, {text}"
        check_passed(official[text], rules, recounted["electorate"], votes, report, what)
    winner, is_tied = double_yes_winner(official)
    if (winner, is_tied) != (official["winner"], official["deciding"]["is_tied"]):
        report.failed(
            f"official result: names {official['winner']!r} (tied: "
            f"{official['deciding']['is_tied']}); its figures give {winner!r} (tied: {is_tied})"
        )
    else:
        report.ok(f"official result: {winner or 'neither text'} wins by the double-yes rule")


def double_yes_winner(official: dict) -> tuple[str | None, bool]:
    """(winner, is_tied) from which texts passed and the deciding question (Art. 139b).

    Both passed: the text preferred by more members wins. With a double majority
    ("groups": how many local groups preferred each) the larger sum of its share of the
    members and its share of the groups wins, which is also the text both prefer when
    they agree. An exact tie brings in neither.
    """
    passed = [text for text in TEXTS if official[text]["is_passed"] is True]
    if len(passed) < 2:
        return (passed[0] if passed else None), False
    deciding = official["deciding"]
    pi, pc = deciding["initiative"], deciding["counter"]
    lead = Fraction(pi - pc, pi + pc or 1)  # share of the initiative minus that of the counter
    if deciding["groups"] is not None:
        gi, gc = deciding["groups"]
        lead += Fraction(gi - gc, gi + gc or 1)
    return ("initiative" if lead > 0 else "counter" if lead < 0 else None), lead == 0


def verify(args: argparse.Namespace) -> int:
    """Run every check on the bundle at args.bundle; return the exit status."""
    report = Report()
    try:
        archive = zipfile.ZipFile(args.bundle)
    except Exception as error:  # noqa: BLE001 - BadZipFile, OSError, NotImplementedError...
        report.failed(f"{args.bundle}: not a readable zip file ({error})")
        return 1
    with archive:
        with report.guard("zip layout"):
            check_layout(args.bundle, report)
        with report.guard("manifest.json"):
            check_manifest(archive, report)
        with report.guard("manifest.sig"):
            check_signature(archive, args, report)
        with report.guard("recount"):
            referendum, digest = check_definition(archive, report)
            results = json.loads(archive.read("results.json"))
            kind = choice_kind(results["method"])
            options = ballot_options(referendum["definition"], kind)
            digests, counts, tally, sole, total = scan_ballots(archive, kind, options, report)
            check_chain(archive, referendum["referendum_id"], digest, digests, counts, report)
            check_count(archive, referendum, tally, total, report)
            electorate = json.loads(archive.read("electorate.json"))["electorate_size"]
            recounted = {"tally": tally, "sole": sole, "ballots": total, "electorate": electorate}
            check_official(results, referendum["definition"], recounted, report)
    print("bundle verified" if not report.failures else f"{report.failures} check(s) FAILED")
    return 0 if not report.failures else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Verify a Deliberate auditor's bundle.")
    parser.add_argument("bundle", help="the bundle .zip")
    parser.add_argument("--public-key", help="PEM file of the organisation's Ed25519 key")
    parser.add_argument(
        "--skip-signature",
        action="store_true",
        help="accept the bundle without checking manifest.sig",
    )
    return verify(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
