"""The auditor's index, the bundle download and the published public key."""

import io
import zipfile

import pytest
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import AuditEntry, Role, VoteMethod
from tests.audit_builders import closed_vote
from tests.conftest import AuthActions, make_member
from tests.voting import make_vote


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "SIGNING_KEY_PATH": str(tmp_path / "signing_key.pem")}


def signed_in(app, role: Role | None, email: str):
    make_member(app, email, name=email.split("@")[0], roles=(role,) if role else ())
    client = app.test_client()
    AuthActions(client).login(email)
    return client


@pytest.mark.parametrize("method", [VoteMethod.SINGLE, VoteMethod.DOUBLE_YES])
def test_auditor_downloads_a_bundle_and_the_download_is_logged(app, method):
    vote = closed_vote(app, method)
    client = signed_in(app, Role.AUDITOR, "auditor@example.org")
    index = client.get("/audit/")
    assert index.status_code == 200
    page = index.get_data(as_text=True)
    assert f"/audit/referendums/{vote}/bundle.zip" in page
    assert "Download the audit bundle" in page and "Northaud" in page
    assert "/moderation" in page and "/rulebook/versions" in page and "/audit/log" in page
    response = client.get(f"/audit/referendums/{vote}/bundle.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert "manifest.sig" in archive.namelist()
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "bundle.exported")
        ).one()
        assert entry.actor_label.startswith("auditor")
        assert vote in entry.payload_json


def test_the_index_gives_each_verdict_in_the_readers_language(app):
    closed_vote(app, VoteMethod.SINGLE)
    client = signed_in(app, Role.AUDITOR, "auditor@example.org")
    english = client.get("/audit/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    spanish = client.get("/audit/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Chosen: Harbour Hall (5 of 7 members voted, 71.4% turnout)." in english
    assert "Opción elegida: Harbour Hall (5 de 7 miembros votaron, participación del 71,4 %)." in (
        spanish
    )


def test_committee_sees_the_index_too(app):
    closed_vote(app, VoteMethod.YES_NO)
    client = signed_in(app, Role.COMMITTEE, "committee@example.org")
    assert client.get("/audit/").status_code == 200


def test_member_is_refused_and_anonymous_sent_to_sign_in(app):
    vote = closed_vote(app, VoteMethod.YES_NO)
    member = signed_in(app, None, "plain@example.org")
    assert member.get("/audit/").status_code == 403
    assert member.get(f"/audit/referendums/{vote}/bundle.zip").status_code == 403
    anonymous = app.test_client().get(f"/audit/referendums/{vote}/bundle.zip")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_an_open_vote_has_no_bundle(app):
    vote = make_vote(app)
    client = signed_in(app, Role.AUDITOR, "auditor@example.org")
    assert client.get(f"/audit/referendums/{vote}/bundle.zip").status_code == 404


def test_public_key_is_published_to_everyone(app):
    response = app.test_client().get("/audit/public-key")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("-----BEGIN PUBLIC KEY-----")
    api = app.test_client().get("/api/v1/public-key").get_json()
    assert api["public_key_pem"] == response.get_data(as_text=True)
