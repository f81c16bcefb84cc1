"""flask audit export REFERENDUM_ID OUT.zip."""

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import AuditEntry, VoteMethod
from deliberate.services import signing_key
from tests.audit_builders import closed_vote
from tests.voting import make_vote, make_voters

VERIFIER = Path(__file__).parents[2] / "deliberate" / "audit" / "verify_bundle.py"


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "SIGNING_KEY_PATH": str(tmp_path / "signing_key.pem")}


def test_export_writes_a_bundle_that_verifies(app, tmp_path):
    vote = closed_vote(app, VoteMethod.SINGLE)
    out = tmp_path / "bundle.zip"
    result = app.test_cli_runner().invoke(args=["audit", "export", vote, str(out)])
    assert result.exit_code == 0, result.output
    assert "Manifest SHA-256:" in result.output and "public-key" in result.output
    key = tmp_path / "public.pem"
    key.write_text(signing_key.public_pem(signing_key.load_or_create(tmp_path / "signing_key.pem")))
    check = subprocess.run(
        [sys.executable, str(VERIFIER), str(out), "--public-key", str(key)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "bundle.exported")
        ).one()
    assert vote in entry.payload_json


def test_export_refuses_an_open_vote_and_leaves_no_file(app, tmp_path):
    make_voters(app, 2)
    vote = make_vote(app)
    out = tmp_path / "bundle.zip"
    result = app.test_cli_runner().invoke(args=["audit", "export", vote, str(out)])
    assert result.exit_code != 0
    assert "closed" in result.output
    assert not out.exists() and not (tmp_path / "bundle.zip.partial").exists()


def test_export_of_an_unknown_vote_fails(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["audit", "export", "nosuchvote", str(tmp_path / "b.zip")]
    )
    assert result.exit_code != 0
