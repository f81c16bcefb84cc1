"""A proposal's timeline reads in the member's language, causes with values included."""

from deliberate.core.rules import Consequence, Threshold, Tier
from deliberate.extensions import db
from deliberate.models import ProposalTransition
from deliberate.services import proposals, signing
from tests.proposal_builders import NOW, add_members, proposal, ruleset


def test_a_qualification_cause_with_its_tier_is_shown_in_spanish(app, client):
    with app.app_context():
        rules = ruleset(
            vote=False,
            tiers=(
                Tier(Threshold(count=1), Consequence.COMMITTEE_MUST_RESPOND),
                Tier(Threshold(count=2), Consequence.DEBATE),
            ),
        )
        p = proposal(db.session, rules)
        for member_id in add_members(db.session, 2):
            signing.sign(db.session, proposal_id=p.id, member_id=member_id, show_name=False,
                         ip=None, now=NOW)  # fmt: skip
        path = proposals.path_of(p)
        step = db.session.query(ProposalTransition).order_by(ProposalTransition.id.desc()).first()
        assert step.cause == "Tier 2 reached, the highest there is"  # the record, in English
        assert step.cause_message_json is not None

    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    spanish = client.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)

    assert "Tier 2 reached, the highest there is" in english
    assert "Nivel 2 alcanzado, el más alto que hay" in spanish
    assert "Tier 2 reached" not in spanish
