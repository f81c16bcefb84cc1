"""`flask tick` moves proposals past deadlines; `proposals reconcile` finds and fixes drift."""

from datetime import timedelta

import time_machine
from sqlalchemy import select, update

from deliberate.extensions import db
from deliberate.models import Proposal, ProposalState
from tests.proposal_builders import NOW, proposal, ruleset


def test_tick_lapses_a_proposal_whose_window_has_closed(app):
    with app.app_context():
        proposal(db.session, ruleset(threshold=10, collection_days=1))
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0 and "1 proposal step(s) taken" in result.output
    with app.app_context():
        assert db.session.scalar(select(Proposal.state)) == ProposalState.LAPSED


def test_reconcile_reports_drift_then_fixes_it_with_fix(app):
    with app.app_context():
        proposal(db.session, ruleset(threshold=10))
        db.session.execute(update(Proposal).values(signature_count=7))
        db.session.commit()
    runner = app.test_cli_runner()
    report = runner.invoke(args=["proposals", "reconcile"])
    assert report.exit_code != 0 and "stored 7, tally 0, rows 0" in report.output
    fixed = runner.invoke(args=["proposals", "reconcile", "--fix"])
    assert fixed.exit_code == 0 and "Fixed 1 proposal(s)" in fixed.output
    assert "Every stored count matches" in runner.invoke(args=["proposals", "reconcile"]).output
