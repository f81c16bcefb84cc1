#!/usr/bin/env python3
"""Verify a Deliberate auditor's bundle: python verify_bundle.py BUNDLE.zip [--public-key KEY].

Standalone on purpose: the standard library plus, for the signature only, the
"cryptography" package. It does not import Deliberate, so an auditor can read it in one
sitting and run it anywhere. The format it checks is docs/bundle-format.md.

Beyond the signature and the checkpoint chain it recounts ballots.csv and checks the
official result the platform declared against that recount: the tallies, a yes/no vote's
pass or fail under its frozen vote rules, the most-voted winners of plurality and
approval, the double yes's winner, and the turnout and each local group's voters against
participation.json. IRV, STV and Schulze are counted again here, by its own short
implementation of the published rules (ties broken by the published option order), and
every round, tie decision and winner is compared with the official count.

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
    exactly one option (what round 1 of an IRV or STV count holds), and how many ballots
    cast each distinct ranking (what the ranked recount counts from).
    """
    hashers: dict[int, hashlib._Hash] = {}
    counts: dict[int, int] = {}
    tally: dict[str, int] = {}
    sole: dict[str, int] = {}
    rankings: dict[str, int] = {}
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
            if kind == "ranking":
                rankings[choice] = rankings.get(choice, 0) + 1
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
    return digests, counts, tally, sole, total, rankings


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


def check_official(results, definition, recounted, report, participation=None) -> None:
    """results.json's "official" (the stored result) follows from the recount and the rules.

    ``recounted`` holds what this verifier counted itself: "tally" (as check_count),
    "sole" (ranked first preferences naming one option), "rankings" (each distinct
    ranking's levels and its number of ballots), "ballots" and "electorate".
    ``participation`` is participation.json, for the turnout and the per-group voters.
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
    if participation is not None:
        with report.guard("official result"):
            check_participation(official, kind, participation, recounted["electorate"], report)
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


# --- ranked methods: IRV, STV and Schulze counted again from the ballots ---------------
#
# An independent second count, written from the rules in docs/bundle-format.md (the same
# rules as core.tally's irv, stv, schulze, ties and transfer modules, which it does not
# share code with). A ballot is a tuple of levels, best first, each a frozenset of option
# ids; `ballots` is a list of (levels, number of ballots cast exactly so). A "paper" is
# (levels, number, value, position): that many ballots, each worth value, now counting
# for the option at levels[position]. Numbers are exact Fractions throughout.

RECOUNTED = {"irv": "IRV", "stv": "STV", "schulze": "Schulze"}
TIE_NOTE = re.compile(
    r"(exclusion|order of election|surplus order): (\S+) chosen from tied (.+) "
    r"by (earlier round|tie order)"
)
TIE_WORDS = {
    "exclusion": "tie for exclusion",
    "order of election": "tie in the order of election",
    "surplus order": "tie in the order of surpluses",
}


def ranking_levels(text: str) -> tuple[frozenset[str], ...]:
    """The levels of a canonical "rank:" choice, best first ("rank:" alone is blank)."""
    body = text.removeprefix("rank:")
    return tuple(frozenset(level.split("=")) for level in body.split(">")) if body else ()


def next_choice(levels: tuple, start: int, continuing: set) -> tuple[str | None, int]:
    """Who a paper counts for from level ``start`` on, and at which level (None: exhausted)."""
    for position in range(start, len(levels)):
        live = levels[position] & continuing
        if len(live) == 1:
            return next(iter(live)), position
        if live:  # two or more continuing options ranked equal: no single next preference
            return None, position
    return None, len(levels)  # levels of elected or excluded options only are skipped


def transfer(papers: list, continuing: set, piles: dict, votes: dict, ratio=Fraction(1)):
    """Move papers to their next continuing choice at value * ratio; return the value lost."""
    exhausted = Fraction(0)
    scaled: dict[Fraction, Fraction] = {}  # few distinct values: multiply each once
    for levels, number, value, position in papers:
        if value not in scaled:
            scaled[value] = value * ratio
        value = scaled[value]
        option, position = next_choice(levels, position + 1, continuing)
        if option is None:
            exhausted += value * number
        else:
            piles[option].append((levels, number, value, position))
            votes[option] += value * number
    return exhausted


def break_tie(tied: list[str], history: list[dict], order: list[str], lowest: bool):
    """(chosen, rule): by the latest earlier round where the tied differ, else published order."""
    remaining = list(tied)
    # At that round the fewest (lowest) or the most stay in; several left: look further back.
    for tallies in reversed(history):
        values = [tallies.get(option, 0) for option in remaining]
        best = min(values) if lowest else max(values)
        if values.count(best) < len(remaining):
            remaining = [o for o, v in zip(remaining, values, strict=True) if v == best]
            if len(remaining) == 1:
                return remaining[0], "earlier round"
    # Level in every round: the latest in the published order goes, the earliest is chosen.
    remaining.sort(key=order.index)
    return (remaining[-1] if lowest else remaining[0]), "tie order"


def choose(candidates, votes, history, order, action, ties, *, lowest: bool) -> str:
    """The candidate with the fewest (lowest) or most votes; a broken tie is noted in ties."""
    best = min(votes[c] for c in candidates) if lowest else max(votes[c] for c in candidates)
    tied = [c for c in candidates if votes[c] == best]
    if len(tied) == 1:
        return tied[0]
    chosen, rule = break_tie(tied, history, order, lowest)
    ties.append((action, chosen, frozenset(tied), rule))
    return chosen


def new_round(tallies: dict, exhausted: Fraction) -> dict:
    """A round as check_rounds compares it with the official count's."""
    return {
        "tallies": tallies,
        "elected": [],
        "excluded": [],
        "surplus_of": None,
        "surplus": None,
        "exhausted": exhausted,
        "ties": [],
    }


def count_irv(ballots: list, order: list[str]) -> tuple[list[str], list[dict]]:
    """Instant-runoff: (winners, rounds). Each round holds the votes at its start."""
    continuing, piles = set(order), {option: [] for option in order}
    votes = dict.fromkeys(order, Fraction(0))
    start = [(levels, number, Fraction(1), -1) for levels, number in ballots]
    exhausted = transfer(start, continuing, piles, votes)  # blank and over-voted: exhausted
    rounds: list[dict] = []
    history: list[dict] = []
    while continuing:
        tallies = {option: votes[option] for option in order if option in continuing}
        in_play = sum(tallies.values())
        stage = new_round(tallies, exhausted)
        rounds.append(stage)
        leader = max(tallies, key=tallies.__getitem__)
        if in_play == 0 or 2 * tallies[leader] > in_play:  # a majority of votes still in play
            stage["elected"] = [leader] if in_play else []
            return stage["elected"], rounds
        # One exclusion per round, even of an option with no votes.
        ties = stage["ties"]
        loser = choose(list(tallies), tallies, history, order, "exclusion", ties, lowest=True)
        stage["excluded"] = [loser]
        history.append(tallies)
        continuing.discard(loser)
        exhausted += transfer(piles.pop(loser), continuing, piles, votes)
    return [], rounds


class StvCount:
    """One STV count: weighted inclusive Gregory, Droop quota, Scottish Rules 45-52."""

    def __init__(self, ballots: list, order: list[str], seats: int) -> None:
        self.order, self.seats = order, seats
        # Rule 45: only ballots with exactly one first preference are valid.
        valid = [(levels, n) for levels, n in ballots if levels and len(levels[0]) == 1]
        self.valid = sum(n for _, n in valid)
        self.quota = self.valid // (seats + 1) + 1  # Rule 46, fixed for the whole count
        self.continuing = set(order)
        self.piles: dict[str, list] = {option: [] for option in order}
        self.votes = dict.fromkeys(order, Fraction(0))
        start = [(levels, n, Fraction(1), -1) for levels, n in valid]
        self.exhausted = transfer(start, self.continuing, self.piles, self.votes)
        self.elected: list[str] = []
        self.waiting: list[str] = []  # elected with a surplus not yet transferred
        self.rounds: list[dict] = []
        self.history: list[dict] = []  # each stage's tallies, for the tie rules

    def run(self) -> StvCount:
        """Stage after stage until every seat is filled; no valid ballot: nobody, no stage."""
        if self.valid:
            self.end_stage([])
        while self.valid and len(self.elected) < self.seats:
            if len(self.continuing) <= self.seats - len(self.elected):
                self.last_vacancies()
                break
            if self.waiting:  # Rule 49 before Rule 50: a waiting surplus moves first
                self.transfer_surplus()
            else:
                self.exclude_lowest()
        return self

    def tallies(self) -> dict:
        """The votes of every option not excluded (elected ones show what they keep)."""
        keep = self.continuing | set(self.elected)
        return {option: self.votes[option] for option in self.order if option in keep}

    def choose(self, candidates: list[str], action: str, ties: list, *, lowest: bool) -> str:
        """The one with the fewest (lowest) or most votes, ties settled by the tie rules."""
        return choose(candidates, self.votes, self.history, self.order, action, ties, lowest=lowest)

    def elect(self, candidates: list[str], ties: list) -> list[str]:
        """Elect in descending order of votes while seats remain (Rule 47)."""
        elected, remaining = [], list(candidates)
        while remaining and len(self.elected) < self.seats:
            chosen = self.choose(remaining, "order of election", ties, lowest=False)
            remaining.remove(chosen)
            self.continuing.discard(chosen)
            self.elected.append(chosen)
            elected.append(chosen)
            if self.votes[chosen] > self.quota:
                self.waiting.append(chosen)
        return elected

    def record(self, elected: list[str], ties: list, **transfer_made) -> dict:
        """Append this stage: its transfer, the tallies at its end, who it elected."""
        stage = new_round(self.tallies(), self.exhausted) | transfer_made
        stage |= {"elected": elected, "ties": ties}
        self.rounds.append(stage)
        return stage

    def end_stage(self, ties: list, **transfer_made) -> None:
        """Elect every continuing option at or above the quota; record the stage."""
        reached = [o for o in self.order if o in self.continuing and self.votes[o] >= self.quota]
        elected = self.elect(reached, ties)
        self.history.append(self.record(elected, ties, **transfer_made)["tallies"])

    def transfer_surplus(self) -> None:
        """The largest waiting surplus moves on, every paper at value x surplus / total."""
        ties: list = []
        source = self.choose(self.waiting, "surplus order", ties, lowest=False)
        self.waiting.remove(source)
        total = self.votes[source]
        surplus = total - self.quota
        papers, self.piles[source] = self.piles[source], []
        # Inclusive Gregory (Rule 48): all the elected option's papers, not the last parcel.
        self.exhausted += transfer(papers, self.continuing, self.piles, self.votes, surplus / total)
        self.votes[source] = Fraction(self.quota)
        self.end_stage(ties, surplus_of=source, surplus=surplus)

    def exclude_lowest(self) -> None:
        """Exclude the option with fewest votes; its papers move on at their value (Rule 50)."""
        ties: list = []
        live = [option for option in self.order if option in self.continuing]
        loser = self.choose(live, "exclusion", ties, lowest=True)
        self.continuing.discard(loser)
        self.exhausted += transfer(self.piles.pop(loser), self.continuing, self.piles, self.votes)
        self.end_stage(ties, excluded=[loser])

    def last_vacancies(self) -> None:
        """No more options than seats left: all are elected, in one last stage (Rule 52)."""
        ties: list = []
        elected = self.elect([o for o in self.order if o in self.continuing], ties)
        self.record(elected, ties)


def schulze_pairwise(ballots: list, order: list[str]) -> dict:
    """d[a][b]: ballots ranking a above b; unranked is below every ranked, level with others."""
    d = {a: dict.fromkeys(order, 0) for a in order}
    for levels, number in ballots:
        below = set(order)
        for level in levels:
            below -= level
            for a in level:
                for b in below:
                    d[a][b] += number
    return d


def schulze_paths(d: dict, order: list[str]) -> dict:
    """p[a][b]: strength of the strongest path from a to b, links weighted by winning votes."""
    p = {a: {b: d[a][b] if d[a][b] > d[b][a] else 0 for b in order} for a in order}
    for via in order:  # widest paths, Floyd-Warshall style
        for a in order:
            for b in order:
                if via not in (a, b) and a != b:
                    p[a][b] = max(p[a][b], min(p[a][via], p[via][b]))
    return p


def schulze_ranking(p: dict, order: list[str]) -> list[list[str]]:
    """Levels, best first: each holds the remaining options that no remaining one beats."""
    remaining, levels = list(order), []
    while remaining:
        level = [a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining)]
        levels.append(level)
        remaining = [option for option in remaining if option not in level]
    return levels


def names(options) -> str:
    """Option ids for a message, or "nobody"."""
    return ", ".join(options) or "nobody"


def exact(value) -> Fraction | None:
    """A number as results.json writes it: an integer or an exact "p/q" string (None stays)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    return fraction(value)


def parse_tie(text: str):
    """An official tie note as (action, chosen, tied set, rule); an unknown note stays text."""
    match = TIE_NOTE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return text
    action, chosen, tied, rule = match.groups()
    return action, chosen, frozenset(tied.split(", ")), rule


def tie_sentence(tie) -> str:
    """A tie decision for the output, e.g. "tie for exclusion between a, b, broken by ..."."""
    if isinstance(tie, str):
        return repr(tie)
    action, chosen, tied, rule = tie
    how = "the published option order" if rule == "tie order" else "the earlier rounds"
    return f"{TIE_WORDS[action]} between {names(sorted(tied))} broken by {how}: {chosen}"


def surplus_text(source: str | None, surplus: Fraction | None) -> str:
    """Which surplus a round transferred, for a message."""
    return "no surplus" if source is None else f"the surplus of {source} ({surplus})"


def round_differences(entry: dict, stage: dict) -> list[str]:
    """How an official round differs from the recount's, one phrase each (empty: it does not)."""
    # Only the fields the official round records are compared: an older format is not
    # failed for a field it lacks.
    found = []
    for key, verb in (("excluded", "excludes"), ("elected", "elects")):
        if key in entry and list(entry[key]) != stage[key]:
            found.append(f"official {verb} {names(entry[key])}, recount {verb} {names(stage[key])}")
    if "surplus_of" in entry:
        claimed = (entry["surplus_of"], exact(entry.get("surplus")))
        if claimed != (stage["surplus_of"], stage["surplus"]):
            counted = surplus_text(stage["surplus_of"], stage["surplus"])
            found.append(f"official transfers {surplus_text(*claimed)}, recount {counted}")
    if "tallies" in entry:
        claimed = {option: exact(votes) for option, votes in entry["tallies"].items()}
        detail = differences(claimed, stage["tallies"])
        if detail:
            found.append(f"votes differ, official vs recount ({detail})")
    if "exhausted" in entry and exact(entry["exhausted"]) != stage["exhausted"]:
        found.append(f"official exhausted {entry['exhausted']}, recount {stage['exhausted']}")
    if "tie_breaks" in entry:
        claimed = [parse_tie(note) for note in entry["tie_breaks"]]
        if claimed != stage["ties"]:
            official = "; ".join(map(tie_sentence, claimed)) or "none"
            counted = "; ".join(map(tie_sentence, stage["ties"])) or "none"
            found.append(f"official tie decisions: {official}; recount: {counted}")
    return found


def check_rounds(label: str, count: dict, rounds: list[dict], report: Report) -> None:
    """Each official round is the recount's: tallies, elected, excluded, transfer, ties."""
    if "rounds" not in count:
        report.warn(f"{label} recount: the official count records no rounds; not compared")
        return
    for number, (entry, stage) in enumerate(zip(count["rounds"], rounds, strict=False), 1):
        found = round_differences(entry, stage)
        if found:  # later rounds follow from this one, so they are not reported too
            report.failed(f"{label} round {number}: " + "; ".join(found))
            return
        for tie in stage["ties"]:
            report.ok(f"{label} round {number}: {tie_sentence(tie)}, as the official count records")
    if len(count["rounds"]) != len(rounds):
        report.failed(
            f"{label} recount: the official count has {len(count['rounds'])} rounds, "
            f"the recount {len(rounds)}"
        )
    else:
        report.ok(
            f"{label} recount: all {len(rounds)} rounds match the official count "
            "(votes, elected, excluded, transfers, exhausted, ties)"
        )


def check_winners(label: str, count: dict, winners: list[str], report, how: str = "") -> None:
    """The official winners are the recount's (for STV also in the order of election)."""
    if "winners" not in count:
        report.warn(f"{label} recount: the official count records no winners; not compared")
    elif list(count["winners"]) != winners:
        report.failed(
            f"{label} recount: official elects {names(count['winners'])}, "
            f"recount elects {names(winners)}"
        )
    else:
        report.ok(f"{label} recount: elects {names(winners)}{how}, as the official count records")


def check_setup(label: str, count: dict, definition: dict, report: Report) -> list[str]:
    """The official count's seats, candidates and tie order are the definition's; its order."""
    # The recount breaks ties by the definition's order whatever the count claims: the
    # definition, not results.json, is what the checkpoint chain starts from.
    order, seats = published_order(definition), definition.get("seats", 1)
    claimed = {
        "seats": count.get("seats", seats),
        "candidates": count.get("candidates", order),
        "tie order": count.get("tie_order", order),
        "lot seed": count.get("seed"),
    }
    wanted = {"seats": seats, "candidates": order, "tie order": order, "lot seed": None}
    wrong = [
        f"{key} {claimed[key]} (the definition gives {wanted[key]})"
        for key in wanted
        if claimed[key] != wanted[key]
    ]
    if wrong:
        report.failed(f"{label} count: " + "; ".join(wrong))
    else:
        how = "options in" if label == "Schulze" else "ties broken by"  # Schulze breaks none
        report.ok(
            f"{label} count: {seats} seat(s); {how} the published option order {names(order)}"
        )
    return order


def check_first_round(official: dict, method: str, recounted: dict, report: Report) -> None:
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


def check_ranked(official: dict, method: str, definition: dict, recounted: dict, report) -> None:
    """The ballots and round 1, then IRV, STV or Schulze counted again and compared."""
    check_first_round(official, method, recounted, report)
    count = official.get("count")
    if method not in RECOUNTED or not isinstance(count, dict):
        missing = "records no count" if method in RECOUNTED else "uses a method it cannot count"
        report.warn(f"official result: {missing} ({method}), so its winners are NOT checked")
        return
    label, ballots = RECOUNTED[method], recounted["rankings"]
    order = check_setup(label, count, definition, report)
    if method == "irv":
        winners, rounds = count_irv(ballots, order)
        check_rounds(label, count, rounds, report)
        check_winners(label, count, winners, report)
    elif method == "stv":
        stv = StvCount(ballots, order, definition.get("seats", 1)).run()
        check_stv_figures(count, stv, recounted["ballots"], report)
        check_rounds(label, count, stv.rounds, report)
        check_winners(label, count, stv.elected, report, " in this order of election")
    else:
        check_schulze(count, ballots, order, report)


def check_stv_figures(count: dict, stv: StvCount, total: int, report: Report) -> None:
    """The official quota and valid and invalid ballots are the recount's."""
    counted = {"quota": stv.quota, "valid": stv.valid, "invalid": total - stv.valid}
    claimed = {key: count[key] for key in counted if key in count}
    detail = differences(claimed, {key: counted[key] for key in claimed})
    if detail:
        report.failed(f"STV recount: differs from the official count ({detail})")
    else:
        report.ok(
            f"STV recount: quota {stv.quota} (Droop: {stv.valid} valid ballots, "
            f"{stv.seats} seat(s)), as the official count records"
        )


def check_schulze(count: dict, ballots: list, order: list[str], report: Report) -> None:
    """The pairwise matrix, strongest paths, ranking and winner (or tie) of a recount."""
    d = schulze_pairwise(ballots, order)
    p = schulze_paths(d, order)
    for key, what, matrix in (("pairwise", "pairwise matrix", d), ("paths", "strongest paths", p)):
        if key not in count:
            report.warn(f"Schulze recount: the official count records no {what}; not compared")
            continue
        flat = {f"{a} over {b}": n for a, row in matrix.items() for b, n in row.items()}
        claimed = {f"{a} over {b}": n for a, row in count[key].items() for b, n in row.items()}
        detail = differences(claimed, flat)
        if detail:
            report.failed(f"Schulze recount: {what} differs, official vs recount ({detail})")
        else:
            report.ok(f"Schulze recount: {what} as the official count records")
    check_schulze_ranking(count, schulze_ranking(p, order), report)


def check_schulze_ranking(count: dict, levels: list[list[str]], report: Report) -> None:
    """The ranking's levels, and the winner or the options tied first (never broken)."""

    def shown(ranking) -> str:
        return " > ".join(" = ".join(sorted(level)) for level in ranking) or "nobody"

    ranking = count.get("ranking", levels)
    first = levels[0] if levels else []
    winners, tied = (first, []) if len(first) == 1 else ([], first)
    claimed = (set(count.get("winners", winners)), set(count.get("tied", tied)))
    same_ranking = [set(level) for level in ranking] == [set(level) for level in levels]
    if not same_ranking:
        report.failed(
            f"Schulze recount: official ranking {shown(ranking)}, recount {shown(levels)}"
        )
    if claimed != (set(winners), set(tied)):
        report.failed(
            f"Schulze recount: official winners {names(sorted(claimed[0]))} (tied: "
            f"{names(sorted(claimed[1]))}), recount {names(winners)} (tied: {names(tied)})"
        )
    elif same_ranking:
        report.ok(
            f"Schulze recount: ranking {shown(levels)}; winner {names(winners)} "
            f"(tied, never broken: {names(tied)}), as the official count records"
        )


# --- participation: the official turnout and each local group's voters ---------------

NO_GROUP = "(no local group)"  # participation.json's key for members in no local group
MIN_GROUP_VOTERS = 5  # fewer voters than this: a group's figures are suppressed


def check_participation(official, kind, participation, electorate, report) -> None:
    """The official participation and turnout, and each group's voters, are participation.json's."""
    total = participation["total"]
    turnout = Fraction(total, electorate) if electorate else Fraction(0)
    counted = {"participation": total, "turnout": f"{turnout.numerator}/{turnout.denominator}"}
    claimed = {key: official[key] for key in counted if key in official}
    detail = differences(claimed, {key: counted[key] for key in claimed})
    if detail:
        report.failed(f"official result: differs from participation.json ({detail})")
    elif claimed:
        report.ok(
            f"official result: participation {total} and turnout {counted['turnout']} "
            "are participation.json's total over the electorate"
        )
    if kind == "yes_no":
        check_group_voters(official, participation["by_group"], report, "official result")
    elif kind == "double_yes":
        for text in TEXTS:
            what = f"official result, {text}"
            check_group_voters(official[text], participation["by_group"], report, what)


def check_group_voters(official: dict, by_group: dict, report: Report, what: str) -> None:
    """Each published group's voters are participation.json's, and its votes add up to them."""
    # Groups are published only when the vote needed a majority of local groups. A group
    # with fewer than MIN_GROUP_VOTERS voters is published without figures, so as not to
    # reveal how its members voted: it is skipped, and the output names it.
    rows = official.get("groups") or []
    if not rows:
        return
    shown = [row for row in rows if not row["is_suppressed"]]
    hidden = sorted(row["group"] for row in rows if row["is_suppressed"])
    problems = []
    for row in shown:
        voted, cast = by_group.get(row["group"], 0), row["yes"] + row["no"] + row["abstain"]
        if row["voters"] != voted:
            problems.append(f"{row['group']!r}: {row['voters']} voters, participation.json {voted}")
        if cast != row["voters"]:
            problems.append(f"{row['group']!r}: {cast} votes for {row['voters']} voters")
    listed = {row["group"] for row in rows} | {NO_GROUP}
    for group in sorted(set(by_group) - listed):
        problems.append(f"{group!r}: {by_group[group]} voters in participation.json, no row")
    skipped = f"; {len(hidden)} suppressed, not compared: {', '.join(hidden)}" if hidden else ""
    if problems:
        report.failed(
            f"{what}: local groups differ from participation.json: " + "; ".join(problems)
        )
    elif shown:
        report.ok(
            f"{what}: the voters of {len(shown)} local group(s) match participation.json{skipped}"
        )
    else:
        report.warn(
            f"{what}: every local group's figures are suppressed (fewer than {MIN_GROUP_VOTERS} "
            f"voters), so no group's voters are compared with participation.json{skipped}"
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
            scanned = scan_ballots(archive, kind, options, report)
            digests, counts, tally, sole, total, rankings = scanned
            check_chain(archive, referendum["referendum_id"], digest, digests, counts, report)
            check_count(archive, referendum, tally, total, report)
            electorate = json.loads(archive.read("electorate.json"))["electorate_size"]
            recounted = {"tally": tally, "sole": sole, "ballots": total, "electorate": electorate}
            recounted["rankings"] = [(ranking_levels(text), n) for text, n in rankings.items()]
            participation = json.loads(archive.read("participation.json"))
            check_official(results, referendum["definition"], recounted, report, participation)
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
