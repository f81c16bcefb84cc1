"""Write the auditor's bundle: a reproducible zip, a SHA-256 manifest and its Ed25519 signature.

Reproducible: members are written in the fixed order of BUNDLE_FILES, each with the
timestamp 1980-01-01 00:00:00, mode 0644, "made by" Unix, DEFLATE at level 6, no extra
fields and no comments; JSON is sorted and indented the same way every time. The same
inputs with the same Python and zlib therefore give the same bytes. The manifest hashes
the uncompressed contents, so verification never depends on the zlib version.

Constant memory: ``ballots`` is consumed once, row by row. Each row is CSV-escaped,
hashed into the manifest entry and deflated straight into the zip through
``ZipFile.open(name, "w")``; no list of ballots is ever built. Only the checkpoints
(one per batch) and the small JSON documents are held in memory.

``cryptography`` is imported only inside write_bundle, for the Ed25519 signature.
"""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, BinaryIO

from deliberate.core.ballot_chain import HEX64, Checkpoint, definition_digest
from deliberate.core.bundle.csv_cells import escape_cell
from deliberate.core.errors import ValidationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = "deliberate-bundle/1"
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o100644  # regular file, rw-r--r--
ZIP_LEVEL = 6
BALLOTS_HEADER = ("tracker", "choice", "checkpoint_seq")
CHECKPOINTS_HEADER = ("seq", "prev_digest", "n", "ballots_digest", "digest")
RESULTS_CSV_HEADER = ("option", "votes")
BUNDLE_FILES = (
    "README.txt",
    "referendum.json",
    "electorate.json",
    "rule_version.json",
    "participation.json",
    "results.json",
    "results.csv",
    "checkpoints.csv",
    "ballots.csv",
    "public_key.pem",
    "verify_bundle.py",
    "manifest.json",
    "manifest.sig",
)
README = """\
Auditor's bundle for one referendum (format {format}).

To check it, with Python 3.11+ and the "cryptography" package:

    python verify_bundle.py THIS_FILE.zip --public-key KEY_YOU_OBTAINED_SEPARATELY.pem

Every line of output starts with "ok" or "FAILED"; the exit status is 0 only if all hold.
The format is described in docs/bundle-format.md of the Deliberate source.
"""


@dataclass(frozen=True)
class BundleSummary:
    """What the caller may publish about a bundle it has just written."""

    manifest_sha256: str
    ballot_count: int
    head_digest: str


def write_bundle(
    out: BinaryIO,
    *,
    referendum: Mapping,
    results: Mapping,
    results_csv_rows: Iterable[Sequence[object]] | None = None,
    ballots: Iterable[tuple[str, str, int]],
    checkpoints: Sequence[Checkpoint],
    participation_by_group: Mapping[str, int],
    electorate_size: int,
    electorate_hash: str,
    rule_version: Mapping,
    signing_key: Ed25519PrivateKey,
    verifier_source: bytes | None = None,
) -> BundleSummary:
    """Write the bundle zip to ``out``; ``ballots`` are (tracker, choice, seq) sorted by tracker.

    ``referendum`` is {"id": ..., "definition": {...}}. ``results`` needs "method" and
    "ballot_count". ``results_csv_rows`` defaults to an option,votes table built from
    results["totals"] (or "first_preferences"). Raises ValidationError on input that the
    format cannot represent; it does not judge whether the chain or the count hold, so a
    tampered database can still be exported as evidence.
    """
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    referendum_id = str(referendum["id"])
    _check_inputs(referendum_id, results, checkpoints)
    definition = dict(referendum["definition"])
    head = checkpoints[-1].digest if checkpoints else definition_digest(definition)
    public_pem = signing_key.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    if verifier_source is None:
        verifier_source = resources.files("deliberate.audit").joinpath("verify_bundle.py")
        verifier_source = verifier_source.read_bytes()
    total = sum(participation_by_group.values())
    documents = {
        "README.txt": README.format(format=FORMAT).encode(),
        "referendum.json": _json_bytes(
            {
                "format": FORMAT,
                "referendum_id": referendum_id,
                "definition": definition,
                "definition_digest": definition_digest(definition),
            }
        ),
        "electorate.json": _json_bytes(
            {"electorate_size": electorate_size, "electorate_hash": electorate_hash}
        ),
        "rule_version.json": _json_bytes(dict(rule_version)),
        "participation.json": _json_bytes(
            {"by_group": dict(participation_by_group), "total": total}
        ),
        "results.json": _json_bytes(dict(results)),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        bundle = _BundleZip(archive)
        for name, data in documents.items():
            bundle.add(name, data)
        with bundle.csv("results.csv") as rows:
            for row in results_csv_rows if results_csv_rows is not None else _default_rows(results):
                rows.writerow(row)
        with bundle.csv("checkpoints.csv") as rows:
            rows.writerow(CHECKPOINTS_HEADER)
            for cp in checkpoints:
                rows.writerow((cp.seq, cp.prev_digest, cp.n, cp.ballots_digest, cp.digest))
        with bundle.csv("ballots.csv") as rows:
            rows.writerow(BALLOTS_HEADER)
            count = 0
            for row in _checked_ballots(ballots, {cp.seq for cp in checkpoints}):
                rows.writerow(row)
                count += 1
        bundle.add("public_key.pem", public_pem)
        bundle.add("verify_bundle.py", verifier_source)
        manifest = _json_bytes({"format": FORMAT, "files": bundle.entries})
        bundle.add("manifest.json", manifest)
        bundle.add("manifest.sig", signing_key.sign(manifest))
    return BundleSummary(hashlib.sha256(manifest).hexdigest(), count, head)


def _check_inputs(referendum_id: str, results: Mapping, checkpoints: Sequence[Checkpoint]) -> None:
    for key in ("method", "ballot_count"):
        if key not in results:
            raise ValidationError(f"results must contain {key!r}")
    for cp in checkpoints:
        if cp.referendum_id != referendum_id:
            raise ValidationError(f"checkpoint {cp.seq} belongs to another referendum")


def _checked_ballots(
    ballots: Iterable[tuple[str, str, int]], seqs: set[int]
) -> Iterator[tuple[str, str, int]]:
    """Pass ballots through once, refusing what ballots.csv cannot represent faithfully."""
    previous = ""
    for tracker, choice, seq in ballots:
        if not HEX64.fullmatch(tracker):
            raise ValidationError(f"tracker {tracker!r} is not 64 lowercase hex characters")
        if tracker <= previous:
            raise ValidationError(f"ballots are not sorted by tracker at {tracker!r}")
        if "\n" in choice or "\r" in choice:
            raise ValidationError("a choice contains a line break")
        if seq not in seqs:
            raise ValidationError(f"ballot {tracker} is in checkpoint {seq!r}, which is not given")
        previous = tracker
        yield tracker, choice, seq


def _default_rows(results: Mapping) -> Iterator[tuple[object, object]]:
    totals = results.get("totals", results.get("first_preferences", {}))
    yield RESULTS_CSV_HEADER
    for option in sorted(totals):
        yield option, totals[option]


def _json_bytes(value: object) -> bytes:
    """Deterministic JSON for a bundle file: sorted keys, 2-space indent, UTF-8, final newline."""
    text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


class _BundleZip:
    """Adds members with fixed metadata and records each one's SHA-256 and size."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.entries: list[dict] = []

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # Unix, whatever the host, so the bytes do not depend on it
        info.external_attr = ZIP_MODE << 16
        # Python 3.11 keeps the per-member level in a private slot; 3.13 renames it.
        setattr(
            info,
            "compress_level" if hasattr(info, "compress_level") else "_compresslevel",
            ZIP_LEVEL,
        )
        return info

    @contextmanager
    def _member(self, name: str) -> Iterator[_HashingSink]:
        with self.archive.open(self._info(name), "w") as member:
            sink = _HashingSink(member)
            yield sink
        if name not in ("manifest.json", "manifest.sig"):
            self.entries.append(
                {"name": name, "sha256": sink.hasher.hexdigest(), "size": sink.size}
            )

    def add(self, name: str, data: bytes) -> None:
        with self._member(name) as sink:
            sink.write_bytes(data)

    @contextmanager
    def csv(self, name: str) -> Iterator[_EscapingWriter]:
        with self._member(name) as sink:
            # RFC 4180 CRLF rows; with "\r\n" as terminator csv also quotes a cell with a bare CR.
            yield _EscapingWriter(csv.writer(sink, lineterminator="\r\n"))


class _HashingSink:
    """A text-or-bytes sink that hashes and counts what it forwards to the zip member."""

    def __init__(self, member: BinaryIO):
        self.member = member
        self.hasher = hashlib.sha256()
        self.size = 0

    def write_bytes(self, data: bytes) -> None:
        self.hasher.update(data)
        self.size += len(data)
        self.member.write(data)

    def write(self, text: str) -> int:
        self.write_bytes(text.encode("utf-8"))
        return len(text)


class _EscapingWriter:
    """csv.writer that applies the formula-injection rule to every cell."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row: Iterable[object]) -> None:
        self.writer.writerow([escape_cell(str(cell)) for cell in row])
