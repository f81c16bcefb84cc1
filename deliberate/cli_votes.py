"""Voting commands: `flask recount` for auditors, and `flask referendums tick|checkpoint|verify`.

``recount FILE --method M [--seats N] [--candidates a,b,c] [--format deliberate|preflib]
[--seed S]`` reads Deliberate's own ballot CSV (what /referendums/<id>/ballots.csv
serves) or a PrefLib file and prints the result as JSON: ``winners`` in order of
election, ``ranking`` for Schulze, ``rounds`` for IRV and STV. Ties are settled by the
rule in core.tally.ties (earlier rounds, then the published candidate order, or a lot
drawn from --seed). A CSV does not carry that order, so to reproduce an official count
whose tie fell to it, give --candidates in the order the vote published them (its
definition's "options"); without it the names' alphabetical order stands in.
"""

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from deliberate.core.errors import DeliberateError
from deliberate.core.tally import load_profile, recount
from deliberate.core.tally.preflib import EXTENSIONS
from deliberate.core.tally.recount import FORMATS, METHODS
from deliberate.extensions import db
from deliberate.i18n import error_message
from deliberate.models import utcnow
from deliberate.services import checkpoints, counting, referendums


def register(app: Flask) -> None:
    """Attach the voting commands."""
    app.cli.add_command(recount_command)
    app.cli.add_command(referendums_group)


@click.command("recount")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", type=click.Choice(METHODS), required=True)
@click.option("--seats", type=int, default=1, show_default=True)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Default: preflib for .soi/.toi/.soc/.toc files, else deliberate (CSV).",
)
@click.option("--seed", default=None, help="Draw the tie order by lot from this published seed.")
@click.option(
    "--candidates",
    default=None,
    help="Comma-separated option ids in the vote's published order (CSV only): the "
    "tie order. Default: alphabetical.",
)
def recount_command(
    file: Path,
    method: str,
    seats: int,
    file_format: str | None,
    seed: str | None,
    candidates: str | None,
):
    """Recount a ballot file and print the result as JSON on standard output."""
    if file_format is None:
        file_format = "preflib" if file.suffix.lstrip(".").lower() in EXTENSIONS else "deliberate"
    order = None if candidates is None else [c.strip() for c in candidates.split(",") if c.strip()]
    if order is not None and file_format != "deliberate":
        raise click.UsageError("--candidates applies to Deliberate's CSV; PrefLib files name them.")
    if order is not None and len(set(order)) != len(order):
        raise click.UsageError("--candidates names a candidate twice.")
    try:
        profile = load_profile(file, file_format, candidates=order)
        result = recount(profile, method, seats, seed=seed)
    except DeliberateError as error:
        raise click.ClickException(error_message(error)) from error
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@click.group("referendums", cls=AppGroup)
def referendums_group() -> None:
    """Deadlines, checkpoints and checks for votes."""


def _limits() -> dict:
    return {
        "min_ballots": current_app.config["BALLOT_CHECKPOINT_MIN"],
        "min_minutes": current_app.config["BALLOT_CHECKPOINT_MINUTES"],
    }


@referendums_group.command("tick")
def tick() -> None:
    """Open votes whose time has come, seal due checkpoints, close and count finished votes."""
    now = utcnow()
    to_open, to_close = referendums.due(db.session, now)
    db.session.rollback()
    for public_id in to_open:
        if referendums.open_if_due(db.session, public_id, now):
            click.echo(f"opened {public_id}")
    sealed = checkpoints.seal_due(db.session, now, **_limits())
    if sealed:
        click.echo(f"sealed {sealed} checkpoint(s)")
    for public_id in to_close:
        try:
            made = counting.close_and_count(
                db.session, public_id, now, base_url=current_app.config["BASE_URL"]
            )
        except DeliberateError as error:
            db.session.rollback()
            click.echo(f"{public_id}: {error_message(error)}", err=True)
        else:
            click.echo(f"closed {public_id}: {made.verdict}")


@referendums_group.command("checkpoint")
def checkpoint() -> None:
    """Seal a checkpoint for every open vote where enough ballots wait."""
    sealed = checkpoints.seal_due(db.session, utcnow(), **_limits())
    click.echo(f"sealed {sealed} checkpoint(s)")


@referendums_group.command("verify")
@click.argument("public_id")
def verify(public_id: str) -> None:
    """Recompute a vote's definition digest and checkpoint chain; compare the counts."""
    try:
        referendum = referendums.get(db.session, public_id)
    except DeliberateError as error:
        raise click.ClickException(error_message(error)) from error
    problems = checkpoints.verify(db.session, referendum)
    if problems:
        raise click.ClickException("The ballot chain does not verify:\n" + "\n".join(problems))
    head = checkpoints.head_digest(db.session, referendum)
    click.echo(f"The ballot chain verifies; head digest {head}.")
