"""Feasibility measured against the organisation's own history: proposals and referendums."""

from deliberate.core.rules.presets import momentum_2017
from deliberate.extensions import db
from deliberate.models import utcnow
from deliberate.services import demo, rulebook_feasibility


def test_the_demo_history_feeds_the_momentum_what_if(app):
    with app.app_context():
        demo.seed(db.session, now=utcnow(), members=40)
        history = rulebook_feasibility.organisation_history(db.session)
        assert history.proposals and history.referendums
        sentences = rulebook_feasibility.feasibility(db.session, momentum_2017()).sentences
    quorum = [s for s in sentences if s.startswith("30% turnout needed")]
    assert quorum, sentences
    assert "best ever" in quorum[0] and "last ballot" in quorum[0]
    assert any("past referendum" in s for s in sentences)
