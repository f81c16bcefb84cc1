"""The standalone verifier against good bundles and bundles with any byte changed."""

import io
import subprocess
import sys
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from deliberate.core.bundle import BUNDLE_FILES
from tests.core.bundle.conftest import METHOD_KIND, VERIFIER, rewrite_member, synthetic_inputs

NO_CRYPTOGRAPHY = (
    "import runpy, sys; sys.modules['cryptography'] = None; "
    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def run_verifier(*args, script=VERIFIER, without_cryptography=False):
    command = [sys.executable, str(script), *map(str, args)]
    if without_cryptography:
        command = [sys.executable, "-c", NO_CRYPTOGRAPHY, str(script), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def failed_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAILED")]


@pytest.fixture
def public_key_file(tmp_path, signing_key):
    path = tmp_path / "org_key.pem"
    path.write_bytes(
        signing_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    )
    return path


@pytest.mark.parametrize("method", sorted(METHOD_KIND))
def test_a_good_bundle_verifies_with_the_organisations_key(
    build, tmp_path, public_key_file, method
):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build(method))
    result = run_verifier(bundle, "--public-key", public_key_file)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith(("ok ", "WARNING ", "bundle verified")) for line in lines)
    assert any(line.startswith("ok checkpoint chain: 3 checkpoints") for line in lines)
    assert any(line.startswith("ok tally:") for line in lines)


def test_the_copy_inside_the_bundle_verifies_its_own_bundle(build, tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build())
    script = tmp_path / "verify_bundle.py"
    script.write_bytes(zipfile.ZipFile(bundle).read("verify_bundle.py"))
    result = run_verifier(bundle, script=script)
    assert result.returncode == 0, result.stdout
    assert "proves integrity only, not origin" in result.stdout


def test_a_bundle_signed_by_another_key_fails_against_the_organisations_key(
    build, tmp_path, public_key_file
):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build(signing_key=Ed25519PrivateKey.from_private_bytes(bytes(32))))
    result = run_verifier(bundle, "--public-key", public_key_file)
    assert result.returncode == 1
    assert any(
        "manifest.sig: not a valid signature" in line for line in failed_lines(result.stdout)
    )


def test_without_cryptography_the_signature_is_not_checked_and_that_fails(build, tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build())
    result = run_verifier(bundle, without_cryptography=True)
    assert result.returncode == 1
    assert "signature NOT checked" in result.stdout
    skipped = run_verifier(bundle, "--skip-signature", without_cryptography=True)
    assert skipped.returncode == 0, skipped.stdout
    assert "WARNING manifest.sig: signature NOT checked" in skipped.stdout


@pytest.mark.parametrize("name", BUNDLE_FILES)
def test_one_changed_byte_in_any_member_fails(build, tmp_path, public_key_file, name):
    def flip_middle_byte(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(rewrite_member(build(), name, flip_middle_byte))
    result = run_verifier(bundle, "--public-key", public_key_file)
    assert result.returncode == 1, result.stdout
    failures = failed_lines(result.stdout)
    if name in ("manifest.json", "manifest.sig"):
        assert any(
            line.startswith("FAILED manifest.sig: not a valid signature") for line in failures
        )
    else:
        assert f"FAILED {name}: SHA-256 does not match the manifest" in failures


def test_rewriting_without_changes_still_verifies(build, tmp_path, public_key_file):
    """Guards the test above: the rewrite itself must not be what the verifier objects to."""
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(rewrite_member(build(), "ballots.csv", lambda data: data))
    assert run_verifier(bundle, "--public-key", public_key_file).returncode == 0


def test_a_flipped_byte_in_the_raw_zip_fails(build, tmp_path, public_key_file):
    data = bytearray(build())
    data[len(data) // 2] ^= 0xFF
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(bytes(data))
    result = run_verifier(bundle, "--public-key", public_key_file)
    assert result.returncode == 1
    assert failed_lines(result.stdout)


def contents(bundle: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    return {name: archive.read(name) for name in archive.namelist()}


def undetected_flips(verifier_module, tmp_path, original: bytes, positions) -> list[int]:
    """Positions whose flip the verifier accepts; asserts none of them changed any content."""
    expected = contents(original)
    bundle = tmp_path / "bundle.zip"
    undetected = []
    for position in positions:
        data = bytearray(original)
        data[position] ^= 0xFF
        bundle.write_bytes(bytes(data))
        if verifier_module.main([str(bundle), "--skip-signature"]) == 0:
            undetected.append(position)
            assert contents(bytes(data)) == expected, f"content changed at byte {position}"
    return undetected


def structural_positions(bundle: bytes) -> set[int]:
    """Every byte of every local header, the central directory and the end record."""
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    positions = set(range(archive.start_dir, len(bundle)))
    for info in archive.infolist():
        positions |= set(range(info.header_offset, info.header_offset + 30 + len(info.filename)))
    return positions


def test_flipping_header_bytes_or_sampled_data_bytes_fails(
    build, verifier_module, tmp_path, capsys
):
    original = build(voters=12, verifier_source=b"# verifier\n")
    positions = structural_positions(original) | set(range(0, len(original), 11))
    undetected = undetected_flips(verifier_module, tmp_path, original, sorted(positions))
    capsys.readouterr()
    assert undetected == []


@pytest.mark.slow
def test_flipping_any_byte_fails_unless_no_content_changed(
    build, verifier_module, tmp_path, capsys
):
    """Deflate is slightly malleable: a rare flip gives another encoding of the same bytes,
    which no check on the content can see. Those, and only those, may pass."""
    original = build(voters=12, verifier_source=b"# verifier\n")
    undetected = undetected_flips(verifier_module, tmp_path, original, range(len(original)))
    capsys.readouterr()
    assert len(undetected) < 5


def test_a_recount_mismatch_is_reported_even_when_the_bundle_is_re_signed(build, tmp_path):
    inputs = synthetic_inputs()
    inputs["results"]["totals"]["A"] += 1
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build(results=inputs["results"]))
    result = run_verifier(bundle)
    assert result.returncode == 1
    assert any(line.startswith("FAILED tally:") for line in failed_lines(result.stdout))


def test_participation_that_does_not_match_the_ballots_fails(build, tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build(participation_by_group={"north": 25, "south": 21}))
    result = run_verifier(bundle)
    assert result.returncode == 1
    assert any(line.startswith("FAILED count:") for line in failed_lines(result.stdout))


def test_a_tampered_database_exports_but_the_chain_check_fails(build, tmp_path):
    inputs = synthetic_inputs()
    rows = list(inputs["ballots"])
    tracker, _choice, seq = rows[10]
    rows[10] = (tracker, "option:C" if _choice != "option:C" else "option:A", seq)
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(build(ballots=iter(rows)))
    result = run_verifier(bundle)
    assert result.returncode == 1
    assert any(
        line.startswith(f"FAILED checkpoint {seq}: ballots_digest")
        for line in failed_lines(result.stdout)
    )


def test_not_a_zip_fails_cleanly(tmp_path):
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(b"not a zip")
    result = run_verifier(bundle)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED")
