"""The bundle writer: reproducible bytes, the file list, escaping, single-pass input."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from deliberate.core.bundle import BUNDLE_FILES, escape_cell, unescape_cell, write_bundle
from deliberate.core.errors import ValidationError
from tests.core.bundle.conftest import VERIFIER, synthetic_inputs


def test_two_builds_are_byte_identical(build):
    assert build() == build()


def test_members_come_in_the_documented_order_with_fixed_metadata(build):
    infos = zipfile.ZipFile(io.BytesIO(build())).infolist()
    assert tuple(info.filename for info in infos) == BUNDLE_FILES
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr == 0o100644 << 16
        assert info.compress_type == zipfile.ZIP_DEFLATED


def test_manifest_lists_every_other_file_with_its_hash_and_size(build, signing_key):
    archive = zipfile.ZipFile(io.BytesIO(build()))
    manifest_bytes = archive.read("manifest.json")
    manifest = json.loads(manifest_bytes)
    assert [entry["name"] for entry in manifest["files"]] == list(BUNDLE_FILES[:-2])
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert entry == {
            "name": entry["name"],
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        }
    signing_key.public_key().verify(archive.read("manifest.sig"), manifest_bytes)


def test_the_bundled_verifier_is_the_repository_copy(build):
    assert zipfile.ZipFile(io.BytesIO(build())).read("verify_bundle.py") == VERIFIER.read_bytes()


def test_ballots_csv_is_sorted_and_carries_no_voter_identity(build):
    text = zipfile.ZipFile(io.BytesIO(build())).read("ballots.csv").decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["tracker", "choice", "checkpoint_seq"]
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])
    assert len(rows) == 46
    assert "member-" not in text


def test_formula_cells_are_escaped_in_csv_output(build):
    dangerous = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'quoted", "plain"]
    rows = [
        ("option", "label", "votes"),
        *((f"opt{i}", cell, 0) for i, cell in enumerate(dangerous)),
    ]
    text = zipfile.ZipFile(io.BytesIO(build(results_csv_rows=rows))).read("results.csv").decode()
    labels = [row[1] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert labels == ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "''quoted", "plain"]
    assert [unescape_cell(label) for label in labels] == dangerous


@given(st.text())
def test_escaping_is_reversible_and_never_leaves_a_formula(cell):
    escaped = escape_cell(cell)
    assert unescape_cell(escaped) == cell
    assert escaped[:1] not in set("=+-@\t\r")


@given(st.text())
def test_the_verifier_unescapes_exactly_like_the_writer(verifier_module, cell):
    assert verifier_module.unescape_cell(escape_cell(cell)) == cell


class OnceOnly:
    """An iterable that fails if anyone iterates it a second time."""

    def __init__(self, rows):
        self.rows = rows
        self.iterations = 0

    def __iter__(self):
        self.iterations += 1
        assert self.iterations == 1, "the writer iterated the ballots twice"
        return iter(self.rows)


def test_writer_consumes_the_ballots_exactly_once(signing_key):
    inputs = synthetic_inputs()
    rows = list(inputs["ballots"])
    once = OnceOnly(rows)
    summary = write_bundle(io.BytesIO(), signing_key=signing_key, **{**inputs, "ballots": once})
    assert once.iterations == 1
    assert summary.ballot_count == len(rows)


def test_writer_streams_a_generator_to_the_end(signing_key):
    inputs = synthetic_inputs()
    pulled = []
    rows = list(inputs["ballots"])

    def generator():
        for row in rows:
            pulled.append(row)
            yield row

    gen = generator()
    out = io.BytesIO()
    write_bundle(out, signing_key=signing_key, **{**inputs, "ballots": gen})
    assert pulled == rows
    assert next(gen, None) is None
    assert zipfile.ZipFile(out).read("ballots.csv").count(b"\n") == len(rows) + 1


def test_summary_reports_the_head_digest(signing_key):
    inputs = synthetic_inputs()
    summary = write_bundle(io.BytesIO(), signing_key=signing_key, **inputs)
    assert summary.head_digest == inputs["checkpoints"][-1].digest


@pytest.mark.parametrize(
    "rows",
    [
        [("b" * 64, "option:A", 1), ("a" * 64, "option:A", 1)],
        [("a" * 64, "option:A", 1), ("a" * 64, "option:B", 1)],
        [("A" * 64, "option:A", 1)],
        [("a" * 64, "option:A\n", 1)],
        [("a" * 64, "option:A", 9)],
    ],
    ids=["unsorted", "duplicate", "uppercase_tracker", "newline_choice", "unknown_checkpoint"],
)
def test_writer_refuses_ballots_the_format_cannot_hold(signing_key, rows):
    inputs = {**synthetic_inputs(), "ballots": iter(rows)}
    with pytest.raises(ValidationError):
        write_bundle(io.BytesIO(), signing_key=signing_key, **inputs)


def test_a_different_key_gives_a_different_signature_only(build, signing_key):
    other = Ed25519PrivateKey.from_private_bytes(bytes(32))
    mine = zipfile.ZipFile(io.BytesIO(build()))
    theirs = zipfile.ZipFile(io.BytesIO(build(signing_key=other)))
    assert mine.read("ballots.csv") == theirs.read("ballots.csv")
    assert mine.read("manifest.sig") != theirs.read("manifest.sig")


class Unseekable(io.RawIOBase):
    """A pipe-like output: zipfile must fall back to data descriptors."""

    def __init__(self):
        self.buffer = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        return len(data)


def test_a_bundle_streamed_to_a_pipe_still_verifies(signing_key, verifier_module, tmp_path, capsys):
    out = Unseekable()
    write_bundle(out, signing_key=signing_key, **synthetic_inputs())
    bundle = tmp_path / "piped.zip"
    bundle.write_bytes(bytes(out.buffer))
    assert all(info.flag_bits & 0x08 for info in zipfile.ZipFile(bundle).infolist())
    status = verifier_module.main([str(bundle)])
    assert status == 0, capsys.readouterr().out
