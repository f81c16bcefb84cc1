"""`flask --app app ...` commands: setup, demo data, the mail worker, audit checks."""

import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from deliberate import cli_proposals, cli_votes
from deliberate.core.errors import DeliberateError
from deliberate.database import begin_write
from deliberate.extensions import db
from deliberate.i18n import error_message
from deliberate.mailer.transports import transport_from_config
from deliberate.models import Member, MembershipStatus, Role, RoleGrant, utcnow
from deliberate.services import accounts, audit_log, demo, mail, passwords, roll_import


def register_commands(app: Flask) -> None:
    """Attach every command to the app's CLI."""
    for command in (create_committee, import_roll, seed_demo, worker):
        app.cli.add_command(command)
    app.cli.add_command(audit_group)
    cli_votes.register(app)
    cli_proposals.register(app)


@click.command("create-committee")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_committee(email: str, name: str, password: str) -> None:
    """Create the first committee member (verified, active)."""
    try:
        passwords.check_strength(password)
    except DeliberateError as error:
        raise click.ClickException(error_message(error)) from error
    begin_write(db.session)
    if accounts.find_by_email(db.session, email):
        raise click.ClickException(f"{email} already has an account.")
    now = utcnow()
    member = Member(
        email=email.strip().lower(),
        display_name=name.strip(),
        password_hash=passwords.hash_password(password),
        email_verified_at=now,
        declaration_accepted_at=now,
        joined_on=now.date(),
        status=MembershipStatus.ACTIVE,
        created_at=now,
    )
    member.role_grants.append(RoleGrant(role=Role.COMMITTEE, granted_at=now))
    db.session.add(member)
    db.session.flush()
    audit_log.record(
        db.session,
        actor=None,
        action="committee.created",
        payload={"member": member.public_id},
        now=now,
    )
    db.session.commit()
    click.echo(f"Committee member {email} created.")


@click.command("import-roll")
@with_appcontext
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "do_apply", is_flag=True, help="Apply the changes (default: preview).")
def import_roll(csv_file: Path, do_apply: bool) -> None:
    """Preview, or with --apply import, a membership roll CSV."""
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException("The file is not UTF-8 text.") from error
    now = utcnow()
    result = roll_import.preview(db.session, text, now=now)
    for problem in result.problems:
        click.echo(f"line {problem.line}: {problem.message}", err=True)
    summary = result.summary()
    click.echo(
        f"{summary['added']} to add, {summary['updated']} to update, "
        f"{summary['unchanged']} unchanged, new groups: {summary['new_groups'] or 'none'}"
    )
    if result.problems:
        raise click.ClickException("Nothing was imported; fix the lines above.")
    if do_apply:
        roll_import.apply(db.session, text, actor=None, now=now)
        click.echo("Imported.")
    else:
        click.echo("Preview only; run again with --apply to import.")


@click.command("seed-demo")
@with_appcontext
@click.option("--members", default=400, show_default=True)
def seed_demo(members: int) -> None:
    """Build the demo organisation with one login per role."""
    if demo.is_seeded(db.session):
        click.echo("Demo data is already present.")
    else:
        made = demo.seed(db.session, now=utcnow(), members=members)
        click.echo(f"Demo organisation created with {made} members.")
    click.echo(f"Demo logins (password: {demo.DEMO_PASSWORD}):")
    for email, (_, role) in demo.DEMO_LOGINS.items():
        click.echo(f"  {role.value if role else 'member':>9}  {email}")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver what is due and stop.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def worker(once: bool, interval: float) -> None:
    """Run queued work (the mail outbox) until stopped."""
    transport = transport_from_config(current_app.config, current_app.instance_path)
    while True:
        report = mail.deliver_due(
            db.session,
            transport,
            sender=current_app.config["MAIL_FROM"],
            now=utcnow(),
            max_attempts=current_app.config["MAIL_MAX_ATTEMPTS"],
        )
        if report.sent or report.failed:
            click.echo(f"mail: {report.sent} sent, {report.failed} failed (will retry)")
        if once:
            break
        time.sleep(interval)


@click.group("audit", cls=AppGroup)
def audit_group() -> None:
    """Commands for auditors."""


@audit_group.command("check-invariants")
def check_invariants() -> None:
    """Check participation, duplicates, counts, checkpoints and chains; exit 1 on failure.

    Also warns (without failing) about database settings under which a power cut could
    lose committed votes.
    """
    from deliberate.services import invariants

    report = invariants.check_all(db.session, witness_path=current_app.config["AUDIT_WITNESS_PATH"])
    for name, problems in report.checks:
        click.echo(f"{'ok    ' if not problems else 'FAILED'} {name}")
        for problem in problems[:20]:
            click.echo(f"         {problem}")
    for warning in report.warnings:
        click.echo(f"WARNING {warning}")
    if not report.holds:
        raise click.ClickException("Some invariants do not hold.")


@audit_group.command("verify-log")
def verify_log() -> None:
    """Recompute the audit log's hash chain; name the first broken entry."""
    total = audit_log.entry_count(db.session)
    broken = audit_log.verify(db.session)
    if broken:
        seq, reason = broken
        raise click.ClickException(f"The audit log is broken at entry {seq}: {reason}.")
    click.echo(f"The audit log verifies: {total} entries, chain intact.")


@audit_group.command("export")
@click.argument("referendum_id")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_bundle(referendum_id: str, out: Path) -> None:
    """Write the audit bundle of a closed vote to OUT.zip (signed with the deployment's key)."""
    from flask import url_for

    from deliberate.services import audit_bundle, signing_key

    key_path = Path(current_app.config["SIGNING_KEY_PATH"])
    key = signing_key.load_or_create(key_path)
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("wb") as handle:
            summary = audit_bundle.export(
                db.session, referendum_id, handle, signing_key=key, actor=None, now=utcnow()
            )
    except DeliberateError as error:
        partial.unlink(missing_ok=True)
        raise click.ClickException(error_message(error)) from error
    partial.replace(out)
    click.echo(f"Wrote {out}: {summary.ballot_count} ballots, head digest {summary.head_digest}.")
    click.echo(f"Manifest SHA-256: {summary.manifest_sha256}")
    try:
        with current_app.test_request_context():
            where = url_for("api.public_key", _external=True)
    except Exception:  # noqa: BLE001 - no SERVER_NAME: name the path instead
        where = "/api/v1/public-key"
    click.echo(f"Public key: {where} (and /audit/public-key); signing key file {key_path}")
