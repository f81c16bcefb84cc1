"""The flask commands: first committee member, roll import, demo data, log check, worker."""

from sqlalchemy import func, select, update

from deliberate.extensions import db
from deliberate.models import (
    AuditEntry,
    Contribution,
    Discussion,
    Endorsement,
    Member,
    OutboxMessage,
    OutboxStatus,
    Role,
    RollEntry,
    utcnow,
)
from deliberate.services import mail


def test_create_committee_makes_a_verified_committee_member(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-committee",
            "--email",
            "c@example.org",
            "--name",
            "Chair",
            "--password",
            "a long password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        member = db.session.scalar(select(Member))
        assert member.roles == {Role.COMMITTEE} and member.is_verified


def test_create_committee_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(
        args=[
            "create-committee",
            "--email",
            "c@example.org",
            "--name",
            "Chair",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0 and "at least 10" in result.output


def test_import_roll_previews_then_applies(app, tmp_path):
    roll = tmp_path / "roll.csv"
    roll.write_text("name,email,local_group,join_date\nA,a@x.org,Leeds,2020-01-01\n")
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["import-roll", str(roll)])
    assert "1 to add" in preview.output and "Preview only" in preview.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0
    assert runner.invoke(args=["import-roll", str(roll), "--apply"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 1


def test_import_roll_with_bad_lines_fails_and_imports_nothing(app, tmp_path):
    roll = tmp_path / "roll.csv"
    roll.write_text("name,email,local_group,join_date\nA,a@x.org,Leeds,2020-01-01\nB,,L,x\n")
    result = app.test_cli_runner().invoke(args=["import-roll", str(roll), "--apply"])
    assert result.exit_code != 0 and "line 3" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0


def test_seed_demo_creates_the_four_demo_logins_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--members", "40"])
    assert first.exit_code == 0 and "committee@demo.deliberate.test" in first.output
    second = runner.invoke(args=["seed-demo", "--members", "40"])
    assert "already present" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 44
        roles = {
            m.email: m.roles
            for m in db.session.scalars(
                select(Member).where(Member.email.like("%@demo.deliberate.test"))
            )
        }
    assert roles["auditor@demo.deliberate.test"] == {Role.AUDITOR}
    assert roles["member@demo.deliberate.test"] == set()


def test_seeded_demo_keeps_every_stored_count_true(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo", "--members", "40"])
    checked = runner.invoke(args=["audit", "check-invariants"])
    assert checked.exit_code == 0, checked.output
    with app.app_context():
        endorsements = dict(
            db.session.execute(
                select(Endorsement.contribution_id, func.count()).group_by(
                    Endorsement.contribution_id
                )
            ).all()
        )
        contributions = db.session.scalars(select(Contribution)).all()
        assert sum(endorsements.values()) > 100
        for contribution in contributions:
            assert contribution.endorsement_count == endorsements.get(contribution.id, 0)
        for discussion in db.session.scalars(select(Discussion)):
            rows = sum(1 for c in contributions if c.discussion_id == discussion.id)
            assert discussion.contribution_count == rows


def test_verify_log_names_the_first_broken_entry(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo", "--members", "5"])
    runner.invoke(
        args=[
            "create-committee",
            "--email",
            "c@example.org",
            "--name",
            "C",
            "--password",
            "a long password",
        ]
    )
    ok = runner.invoke(args=["audit", "verify-log"])
    # seed-demo's votes add their own entries (created, opened, checkpoints, closed).
    with app.app_context():
        entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert ok.exit_code == 0 and f"{entries} entries, chain intact" in ok.output
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 1).values(action="x"))
        db.session.commit()
    broken = runner.invoke(args=["audit", "verify-log"])
    assert broken.exit_code != 0 and "broken at entry 1" in broken.output


def test_worker_once_delivers_what_is_due(app):
    with app.app_context():
        mail.queue(db.session, to="a@x.org", subject="Hi", body="Hello", now=utcnow())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert "1 sent" in result.output
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage.status)) == OutboxStatus.SENT
