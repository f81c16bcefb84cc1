"""Write the auditor's bundle: a reproducible zip, a SHA-256 manifest and its Ed25519 signature.

Reproducible: members are written in the fixed order of BUNDLE_FILES, each with the
timestamp 1980-01-01 00:00:00, mode 0644, "made by" Unix, DEFLATE at level 1, no extra
fields and no comments; JSON is sorted and indented the same way every time. The same
inputs with the same Python and zlib therefore give the same bytes. The manifest hashes
the uncompressed contents, so verification never depends on the zlib version. Level 1:
trackers are random hex, which no level packs much better (level 6 saved 3% of the size
of a million-ballot bundle and took three times as long).

Constant memory: ``ballots`` is consumed once, row by row, and written in chunks of
CHUNK_ROWS rows, each hashed into the manifest entry and deflated into the zip through
``ZipFile.open(name, "w")``; no list of all ballots is ever built. Only the checkpoints
(one per batch), one chunk and the small JSON documents are held in memory. A ballot row
is built as text, not through csv.writer: the tracker is checked to be 64 hex digits and
needs no escaping, and each distinct choice and checkpoint number is escaped and quoted
once, by the same escape_cell and csv rules as every other cell, then reused.

``cryptography`` is imported only inside write_bundle, for the Ed25519 signature.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
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
ZIP_LEVEL = 1
CHUNK_ROWS = 4096  # ballot rows per write to the zip member (about 300 KB of text)
_CHOICE_CACHE = 4096  # distinct choices kept escaped at once (rankings can be many)
_HEX_LINES = re.compile(r"(?:[0-9a-f]{64},[^\r\n]*\r\n)*")
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
            count = _write_ballots(rows.sink, ballots, [cp.seq for cp in checkpoints])
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


def _csv_cell(value: object) -> str:
    """One cell exactly as _EscapingWriter writes it: escape_cell, then csv quoting."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([escape_cell(str(value)), ""])
    return out.getvalue()[: -len(",\r\n")]  # a second, empty cell: no lone-cell quoting


def _choice_cell(choice: str) -> str:
    if "\n" in choice or "\r" in choice:
        raise ValidationError("a choice contains a line break")
    return _csv_cell(choice)


def _write_ballots(sink: _HashingSink, ballots: Iterable[tuple[str, str, int]], seqs) -> int:
    """Write ballots.csv's rows once, refusing what the file cannot represent faithfully.

    The same bytes as csv.writer with escape_cell on every cell, and the same checks,
    at a fraction of the cost: a row is text, written CHUNK_ROWS at a time, and the
    trackers of a chunk are checked with one regular expression over the chunk.
    """
    seq_cells = {seq: _csv_cell(seq) for seq in seqs}
    choice_cells: dict[str, str] = {}
    lines: list[str] = []
    previous, count = "", 0
    for tracker, choice, seq in ballots:
        if type(tracker) is not str or len(tracker) != 64:
            _refuse_tracker(tracker)
        if tracker <= previous:
            raise ValidationError(f"ballots are not sorted by tracker at {tracker!r}")
        cell = choice_cells.get(choice)
        if cell is None:
            if len(choice_cells) >= _CHOICE_CACHE:
                choice_cells.clear()
            cell = choice_cells[choice] = _choice_cell(choice)
        seq_cell = seq_cells.get(seq)
        if seq_cell is None:
            raise ValidationError(f"ballot {tracker} is in checkpoint {seq!r}, which is not given")
        lines.append(f"{tracker},{cell},{seq_cell}\r\n")
        previous = tracker
        if len(lines) == CHUNK_ROWS:
            count += _write_chunk(sink, lines)
    return count + _write_chunk(sink, lines)


def _write_chunk(sink: _HashingSink, lines: list[str]) -> int:
    """Check the chunk's trackers are lowercase hex (each is 64 characters), write it."""
    text = "".join(lines)
    if not _HEX_LINES.fullmatch(text):
        for line in lines:
            if not HEX64.fullmatch(line[:64]):
                _refuse_tracker(line[:64])
    sink.write(text)
    written = len(lines)
    lines.clear()
    return written


def _refuse_tracker(tracker: object):
    raise ValidationError(f"tracker {tracker!r} is not 64 lowercase hex characters")


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
            sink.flush()
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
            yield _EscapingWriter(csv.writer(sink, lineterminator="\r\n"), sink)


class _HashingSink:
    """A text-or-bytes sink that hashes and counts what it forwards to the zip member.

    Text is gathered up to BUFFER characters and goes on as one write: zlib and the zip
    member pay a fixed cost per call, which per CSV row was most of the export's time.
    """

    BUFFER = 1 << 18

    def __init__(self, member: BinaryIO):
        self.member = member
        self.hasher = hashlib.sha256()
        self.size = 0
        self.pending: list[str] = []
        self.pending_size = 0

    def write_bytes(self, data: bytes) -> None:
        self.flush()
        self._forward(data)

    def write(self, text: str) -> int:
        self.pending.append(text)
        self.pending_size += len(text)
        if self.pending_size >= self.BUFFER:
            self.flush()
        return len(text)

    def flush(self) -> None:
        """Send the gathered text on (the member must see all of it before it closes)."""
        if self.pending:
            text = "".join(self.pending)
            self.pending.clear()
            self.pending_size = 0
            self._forward(text.encode("utf-8"))

    def _forward(self, data: bytes) -> None:
        self.hasher.update(data)
        self.size += len(data)
        self.member.write(data)


class _EscapingWriter:
    """csv.writer that applies the formula-injection rule to every cell."""

    def __init__(self, writer, sink: _HashingSink):
        self.writer = writer
        self.sink = sink

    def writerow(self, row: Iterable[object]) -> None:
        self.writer.writerow([escape_cell(str(cell)) for cell in row])
