"""The audit bundle of a closed vote: verifies, is reproducible, and any changed byte fails."""

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from deliberate.core.errors import PhaseError
from deliberate.extensions import db
from deliberate.models import AuditEntry, VoteMethod
from deliberate.services import audit_bundle, signing_key
from tests.audit_builders import CLOSES, closed_vote, fixed_key
from tests.core.bundle.conftest import rewrite_member
from tests.voting import make_vote, make_voters

VERIFIER = Path(__file__).parents[2] / "deliberate" / "audit" / "verify_bundle.py"


def export_bytes(app, vote: str) -> bytes:
    out = io.BytesIO()
    with app.app_context():
        audit_bundle.export(db.session, vote, out, signing_key=fixed_key(), actor=None, now=CLOSES)
    return out.getvalue()


def run_verifier(tmp_path: Path, bundle: bytes, name: str = "bundle.zip"):
    path = tmp_path / name
    path.write_bytes(bundle)
    key = tmp_path / "key.pem"
    key.write_text(signing_key.public_pem(fixed_key()))
    return subprocess.run(
        [sys.executable, str(VERIFIER), str(path), "--public-key", str(key)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "method",
    [
        VoteMethod.YES_NO,
        VoteMethod.SINGLE,
        VoteMethod.APPROVAL,
        VoteMethod.STV,
        VoteMethod.DOUBLE_YES,
    ],
)
def test_bundle_of_a_closed_vote_verifies_and_is_reproducible(app, tmp_path, method):
    vote = closed_vote(app, method)
    first = export_bytes(app, vote)
    result = run_verifier(tmp_path, first)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout
    assert export_bytes(app, vote) == first
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "bundle.exported")
        ).all()
    assert len(entries) == 2 and vote in entries[0].payload_json


def test_bundle_holds_counts_by_group_and_no_voter_identity(app):
    vote = closed_vote(app, VoteMethod.SINGLE)
    archive = zipfile.ZipFile(io.BytesIO(export_bytes(app, vote)))
    participation = archive.read("participation.json").decode()
    assert '"Northaud": 3' in participation and '"total": 5' in participation
    assert "(no local group)" not in participation  # the two without a group did not vote
    ballots = archive.read("ballots.csv").decode()
    assert "@example.org" not in ballots and "V0" not in ballots
    assert "'=Old Mill" not in ballots  # choices name slugs, not labels
    assert b'"official"' in archive.read("results.json")


def test_changing_any_byte_of_any_member_fails_the_verifier(app, tmp_path):
    vote = closed_vote(app, VoteMethod.APPROVAL)
    bundle = export_bytes(app, vote)
    names = [info.filename for info in zipfile.ZipFile(io.BytesIO(bundle)).infolist()]
    assert len(names) == 13

    def flip(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    for name in names:
        tampered = rewrite_member(bundle, name, flip)
        result = run_verifier(tmp_path, tampered, name="tampered.zip")
        assert result.returncode != 0, f"flipping a byte of {name} went unnoticed"


def test_an_open_vote_is_refused(app):
    make_voters(app, 2)
    vote = make_vote(app)
    with app.app_context(), pytest.raises(PhaseError):
        audit_bundle.export(
            db.session, vote, io.BytesIO(), signing_key=fixed_key(), actor=None, now=CLOSES
        )
