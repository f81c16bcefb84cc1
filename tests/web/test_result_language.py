"""A vote's verdict is recorded in English and read in each member's language."""

import json

from sqlalchemy import update

from deliberate.extensions import db
from deliberate.models import Member, Role, VoteMethod
from deliberate.services import referendums
from tests.audit_builders import closed_vote
from tests.conftest import make_member, outbox
from tests.voting import QUORUM_30
from tests.web.test_referendums import ballot_post, close, open_vote

SPANISH = {"Accept-Language": "es"}


def test_a_failed_quorum_verdict_is_in_spanish_on_the_page_and_in_the_mail(app, auth):
    for i in range(9):
        make_member(app, f"v{i}@example.org", name=f"V{i}")
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))  # the tenth
    with app.app_context():
        db.session.execute(
            update(Member).where(Member.email == "chair@example.org").values(language="es")
        )
        db.session.commit()
    vote = open_vote(app, rules=QUORUM_30)
    auth.login("v0@example.org")
    ballot_post(auth, vote, {"choice": "yes"})
    close(app, vote)

    with app.app_context():
        stored = referendums.get(db.session, vote)
        english = "Failed: turnout 10% is below the 30% quorum, though 100% voted yes"
        assert stored.verdict == english  # the record stays in English
        assert json.loads(stored.result_json)["verdict"] == english
    page = auth.client.get(f"/referendums/{vote}/results", headers=SPANISH).get_data(as_text=True)
    spanish = (
        "Rechazada: la participación del 10 % está por debajo del quórum del 30 %, "
        "aunque el 100 % votó a favor"
    )
    assert spanish in page
    assert "1 de 10 miembros votaron, participación del 10 %" in page
    (mail,) = [m for m in outbox(app) if m[0] == "chair@example.org"]
    assert spanish in mail[2]


def test_a_double_yes_and_an_election_verdict_are_in_spanish(app, auth):
    double = closed_vote(app, VoteMethod.DOUBLE_YES, prefix="dy")
    single = closed_vote(app, VoteMethod.SINGLE, prefix="el")
    make_member(app, "reader@example.org", name="Reader")
    auth.login("reader@example.org")

    double_page = auth.client.get(f"/referendums/{double}/results", headers=SPANISH)
    single_page = auth.client.get(f"/referendums/{single}/results", headers=SPANISH)

    double_text, single_text = (
        double_page.get_data(as_text=True),
        single_page.get_data(as_text=True),
    )
    # In English: "The counter-proposal comes into force: more members preferred the
    # counter-proposal." and "Chosen: Harbour Hall (5 of 14 members voted, 35.7% turnout)."
    assert (
        "La contrapropuesta entra en vigor: más miembros prefirieron la contrapropuesta."
        in double_text
    )
    assert "Opción elegida: Harbour Hall (5 de 14 miembros votaron, participación del 35,7 %)." in (
        single_text
    )
    for text in (double_text, single_text):
        assert "comes into force" not in text and "Chosen:" not in text
