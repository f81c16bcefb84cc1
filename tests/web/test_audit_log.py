"""The audit log chain: shown to committee and auditors; tampering is named."""

from datetime import UTC, datetime

from sqlalchemy import update

from deliberate.extensions import db
from deliberate.models import AuditEntry, Role
from deliberate.services import audit_log
from tests.conftest import make_member


def fill_log(app, n: int = 5) -> None:
    with app.app_context():
        for i in range(n):
            audit_log.record(
                db.session,
                actor=None,
                action="test.action",
                payload={"i": i},
                now=datetime(2026, 1, 1, 12, i, tzinfo=UTC),
            )
        db.session.commit()


def test_intact_chain_verifies(app):
    fill_log(app)
    with app.app_context():
        assert audit_log.verify(db.session) is None
        assert audit_log.entry_count(db.session) == 5


def test_edited_entry_is_named_as_the_first_broken_one(app):
    fill_log(app)
    with app.app_context():
        db.session.execute(
            update(AuditEntry).where(AuditEntry.seq == 3).values(payload_json='{"i":99}')
        )
        db.session.commit()
        assert audit_log.verify(db.session) == (3, "its content does not match its hash")


def test_deleted_entry_breaks_the_chain(app):
    fill_log(app)
    with app.app_context():
        db.session.execute(AuditEntry.__table__.delete().where(AuditEntry.seq == 2))
        db.session.commit()
        seq, reason = audit_log.verify(db.session)
        assert seq == 3 and "expected entry 2" in reason


def test_log_page_shows_entries_to_auditors_and_the_state_of_the_chain(app, auth):
    fill_log(app, 2)
    make_member(app, "audit@example.org", roles=(Role.AUDITOR,))
    auth.login("audit@example.org")
    page = auth.client.get("/audit/log").get_data(as_text=True)
    assert "All 2 entries verify" in page and "test.action" in page
