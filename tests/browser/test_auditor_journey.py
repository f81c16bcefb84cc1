"""The auditor downloads a closed vote's bundle in the browser and verifies it offline."""

import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from deliberate.models import Role
from tests.audit_builders import closed_vote
from tests.conftest import PASSWORD, make_member

pytestmark = pytest.mark.browser
VERIFIER = Path(__file__).parents[2] / "deliberate" / "audit" / "verify_bundle.py"
QUESTION = "Should we adopt the new constitution?"


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "SIGNING_KEY_PATH": str(tmp_path / "signing_key.pem")}


def verify(bundle: Path, key: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(bundle), "--public-key", str(key)],
        capture_output=True,
        text=True,
        check=False,
    )


def flip_a_byte_of(bundle: Path, member: str, out: Path) -> None:
    """Copy the bundle with one byte in the middle of ``member``'s stored data changed."""
    data = bytearray(bundle.read_bytes())
    info = zipfile.ZipFile(bundle).getinfo(member)
    name_length, extra_length = struct.unpack_from("<2H", data, info.header_offset + 26)
    start = info.header_offset + 30 + name_length + extra_length
    data[start + info.compress_size // 2] ^= 0x01
    out.write_bytes(bytes(data))


def test_auditor_downloads_a_bundle_that_verifies_and_fails_once_tampered(
    app, live_url, page: Page, tmp_path
):
    vote = closed_vote(app)
    make_member(app, "ada@example.org", name="Ada Auditor", roles=(Role.AUDITOR,))
    page.goto(live_url + "/login")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation").get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", name="Audit", exact=True)).to_be_visible()

    card = page.locator("section.card", has=page.get_by_role("link", name=QUESTION))
    expect(card).to_contain_text("Electorate: 7 members")
    expect(card.get_by_role("table", name="Participation by local group")).to_contain_text(
        "Northaud"
    )
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Download the audit bundle").click()
    download = download_info.value
    assert download.suggested_filename == f"audit-bundle-{vote}.zip"
    bundle = tmp_path / download.suggested_filename
    download.save_as(bundle)
    assert "manifest.sig" in zipfile.ZipFile(bundle).namelist()

    with page.expect_response("**/audit/public-key") as key_info:
        page.get_by_role("link", name="The public key that signs audit bundles").click()
    pem = key_info.value.text()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = tmp_path / "public-key.pem"
    key.write_text(pem)

    result = verify(bundle, key)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "FAILED" not in result.stdout and lines[-1] == "bundle verified", result.stdout
    assert "ok manifest.sig: valid Ed25519 signature of manifest.json" in result.stdout
    assert "ok ballots.csv: 5 ballots, sorted by tracker, every choice valid" in lines

    tampered = tmp_path / "tampered.zip"
    flip_a_byte_of(bundle, "ballots.csv", tampered)
    result = verify(tampered, key)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED ballots.csv:" in result.stdout
    assert result.stdout.splitlines()[-1].endswith("check(s) FAILED"), result.stdout

    page.goto(live_url + "/audit/log")
    newest = page.get_by_role("row").nth(1)
    expect(newest).to_contain_text("bundle.exported")
    expect(newest).to_contain_text(vote)
