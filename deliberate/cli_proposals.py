"""Proposal commands: `flask tick` (cron) and `flask proposals reconcile [--fix]`."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from deliberate.extensions import db
from deliberate.models import utcnow
from deliberate.services import proposals, signature_checks, signature_quarantine


def register(app: Flask) -> None:
    """Attach the proposal commands to the app's CLI."""
    app.cli.add_command(tick)
    app.cli.add_command(proposals_group)


@click.command("tick")
@with_appcontext
def tick() -> None:
    """Move on every proposal whose deadline has passed; safe to run from cron every minute."""
    steps = proposals.advance_due(db.session, now=utcnow(), base_url=current_app.config["BASE_URL"])
    click.echo(f"{steps} proposal step(s) taken.")


@click.group("proposals", cls=AppGroup)
def proposals_group() -> None:
    """Commands for proposals and their signatures."""


@proposals_group.command("reconcile")
@click.option("--fix", is_flag=True, help="Rebuild drifted counts from the rows (audited).")
def reconcile(fix: bool) -> None:
    """Compare stored signature counts with the signature rows; report, and with --fix repair."""
    drifts = signature_checks.reconcile(db.session, fix=fix, now=utcnow())
    held = signature_quarantine.held_count(db.session)
    if held:
        click.echo(f"{held} signature(s) held for a committee check, not counted (T32).")
    if not drifts:
        click.echo("Every stored count matches its counted signature rows.")
        return
    for drift in drifts:
        click.echo(
            f"{drift.proposal}: stored {drift.stored}, tally {drift.tally}, rows {drift.actual}"
        )
    if fix:
        click.echo(f"Fixed {len(drifts)} proposal(s); recorded in the audit log.")
    else:
        raise click.ClickException(
            f"{len(drifts)} proposal(s) drifted; run again with --fix to rebuild them."
        )
