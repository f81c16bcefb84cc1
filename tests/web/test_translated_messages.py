"""Messages made outside the templates reach the member in their language.

Service errors (lazy strings), core's reasons and rule sentences (core Messages) and the
labels of stored states are all rendered in the language of the request that shows them.
"""

import re

from sqlalchemy import update

from deliberate.extensions import db
from deliberate.models import Member, Proposal
from tests.conftest import AuthActions, csrf_from
from tests.proposal_builders import add_members, proposal, ruleset

ENGLISH_BROWSER = {"Accept-Language": "en-GB,en;q=0.9"}
SPANISH_BROWSER = {"Accept-Language": "es-ES,es;q=0.9"}


def member_client(app, prefix: str, *, language: str | None, **kwargs):
    """A signed-in member whose language setting is ``language``."""
    with app.app_context():
        (member_id,) = add_members(db.session, 1, prefix=prefix, **kwargs)
        db.session.execute(update(Member).where(Member.id == member_id).values(language=language))
        db.session.commit()
    client = app.test_client()
    assert AuthActions(client).login(f"{prefix}.0@example.org").status_code == 302
    return client


def post_form(client, path: str, data: dict, *, page: str | None = None, **kwargs):
    token = csrf_from(client.get(page or path, **kwargs).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def collecting_proposal_path(app, **rules) -> str:
    with app.app_context():
        return f"/proposals/{proposal(db.session, ruleset(threshold=50, **rules)).public_id}"


def test_signing_twice_is_refused_in_the_members_language(app):
    path = collecting_proposal_path(app)
    spanish = member_client(app, "ana", language="es")
    # The member's own setting wins over an English browser.
    assert post_form(spanish, path + "/sign", {}, page=path, headers=ENGLISH_BROWSER).status_code
    response = post_form(spanish, path + "/sign", {}, page=path, headers=ENGLISH_BROWSER)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Ya ha firmado esta propuesta." in page
    assert "You have already signed this proposal." not in page

    english = member_client(app, "ben", language="en")
    post_form(english, path + "/sign", {}, page=path, headers=SPANISH_BROWSER)
    response = post_form(english, path + "/sign", {}, page=path, headers=SPANISH_BROWSER)
    assert "You have already signed this proposal." in response.get_data(as_text=True)


def test_cores_reasons_are_translated_with_their_dates(app):
    """check_eligibility (pure core) explains in English; the page says it in Spanish."""
    path = collecting_proposal_path(app, collection_days=1)
    newcomer = member_client(
        app, "nuevo", language="es", joined_days_ago=-2
    )  # after today, whatever the clock says
    response = post_form(newcomer, path + "/sign", {}, page=path)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "No puede firmar esta propuesta: Se afilió el " in page
    assert re.search(r"Se afilió el \d{1,2} de [a-z]+ de \d{4}, después de que", page)
    assert "You joined on" not in page and "You cannot sign" not in page


def test_a_service_validation_error_appears_beside_its_field_in_spanish(app):
    member = member_client(app, "carmen", language="es")
    # Invisible characters pass the form but not the service's cleaning.
    response = post_form(member, "/account", {"display_name": "\u200b", "language": "es"})
    page = response.get_data(as_text=True)
    assert "Escriba el nombre que verán los demás miembros." in page
    assert "Enter the name other members will see." not in page


def test_status_labels_are_translated_never_raw_values(app):
    collecting_proposal_path(app)
    spanish = member_client(app, "dolores", language="es")
    account = spanish.get("/account").get_data(as_text=True)
    assert re.search(r'<span class="badge badge-active">Activo</span>', account)
    listing = spanish.get("/proposals").get_data(as_text=True)
    assert "Recogiendo firmas" in listing and "Collecting signatures" not in listing

    english = member_client(app, "emma", language=None)
    account = english.get("/account", headers=ENGLISH_BROWSER).get_data(as_text=True)
    assert '<span class="badge badge-active">Active</span>' in account


def test_rule_descriptions_from_core_are_shown_in_spanish(app, client):
    path = collecting_proposal_path(app, collection_days=30)
    page = client.get(path, headers=SPANISH_BROWSER).get_data(as_text=True)
    assert "Las firmas se recogen durante 30 días" in page
    assert "Signatures are collected for" not in page
    rulebook = client.get("/rulebook", headers=SPANISH_BROWSER).get_data(as_text=True)
    assert "Signatures are collected for" not in rulebook


def test_api_errors_keep_their_code_and_translate_the_message(client):
    response = client.get("/api/v1/referendums/no-such-vote", headers=SPANISH_BROWSER)
    body = response.get_json()
    assert response.status_code == 404
    assert body["message"] == "No existe esa votación." and body["error"]
    response = client.get("/api/v1/referendums/no-such-vote", headers=ENGLISH_BROWSER)
    assert response.get_json()["message"] == "There is no such vote."


def test_counts_on_pages_use_the_readers_digit_grouping(app):
    # 12,345 in English is 12.345 in Spanish: a comma there would read as a decimal point.
    with app.app_context():
        made = proposal(db.session, ruleset(threshold=20_000))
        db.session.execute(
            update(Proposal).where(Proposal.id == made.id).values(signature_count=12_345)
        )
        db.session.commit()
        path = f"/proposals/{made.public_id}"
    client = app.test_client()
    english = client.get(path, headers=ENGLISH_BROWSER).get_data(as_text=True)
    spanish = client.get(path, headers=SPANISH_BROWSER).get_data(as_text=True)
    count = re.compile(r'id="signature-count">([^<]+)<')
    assert count.search(english).group(1) == "12,345"
    assert count.search(spanish).group(1) == "12.345"
