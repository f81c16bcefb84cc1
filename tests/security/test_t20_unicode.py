"""Unicode tricks (T20): one account per address however it is spelt, any password, no
look-alike names.

Emails and names are stored NFC (core/text.py). Passwords accept any Unicode and are
NFKC-normalised before hashing (services/passwords.py, NIST SP 800-63B), so the same
password typed as NFC or NFD signs in. A name with a word mixing scripts, such as a
Cyrillic "А" among Latin letters, is refused (forms/validators.py::SingleScriptWords).

Comparing a new name's confusable skeleton (UTS #39) with every other member's is not
done, by decision: namesakes must be allowed, so an impostor can already copy a name
exactly, and a skeleton match would refuse real, different names ("Arnie" and "Amie",
since "rn" looks like "m"). What tells two members apart is their member page (a public
id); proposal authors link to it, debate posts do not yet. A committee-side flag would
need an indexed skeleton column (a migration).
"""

import unicodedata
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from deliberate.core.errors import ValidationError
from deliberate.extensions import db
from deliberate.models import Member, Proposal
from deliberate.services import names, passwords
from tests.conftest import PASSWORD, AuthActions, csrf_from, make_member, outbox

NFC_EMAIL = "josé.müller@example.org"
NFD_EMAIL = unicodedata.normalize("NFD", NFC_EMAIL)
REFUSED = "Write each word of your name in one alphabet"


def register(client, email: str, *, password: str = PASSWORD, name: str = "Ann Example"):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "display_name": name,
        "email": email,
        "password": password,
        "password_confirm": password,
        "local_group": "0",
        "accept_declaration": "y",
    }
    return client.post("/register", data=data)


def confirm_everyone(app) -> None:
    with app.app_context():
        db.session.execute(update(Member).values(email_verified_at=datetime.now(UTC)))
        db.session.commit()


def members(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(Member.email, Member.display_name))
        return [tuple(row) for row in rows]


def signs_in(app, email: str, password: str) -> bool:
    response = AuthActions(app.test_client()).login(email, password)
    return response.status_code == 302


# -- one address, however it is spelt ---------------------------------------------------------


def test_nfc_and_nfd_spellings_of_one_address_make_one_account(app, client):
    assert NFC_EMAIL != NFD_EMAIL
    assert register(client, NFD_EMAIL).status_code == 302
    assert register(app.test_client(), NFC_EMAIL, name="Someone Else").status_code == 302
    assert members(app) == [(NFC_EMAIL, "Ann Example")]  # stored NFC, the first one kept
    subjects = [subject for _to, subject, _body, _status in outbox(app)]
    assert subjects[-1].startswith("Someone tried to register with your address")


@pytest.mark.parametrize("typed", [NFD_EMAIL, NFC_EMAIL.upper()])
def test_the_other_spelling_of_the_address_signs_in(app, typed):
    make_member(app, NFC_EMAIL)
    assert signs_in(app, typed, PASSWORD)


# -- passwords: any Unicode, and NFC or NFD alike ---------------------------------------------

UNICODE_PASSWORDS = [
    "🗳️ my ballot, my secret 🔐",
    "e\u0301le\u0301phant rose garden",  # combining accents
    "كلمة السر الطويلة",  # right to left
    "\u202eoverride then text",  # a bidi control, kept as typed
    "пароль очень длинный",
    "非常长的密码非常长的密码",
    "tab\tand  two  spaces",
]


@pytest.mark.parametrize("password", UNICODE_PASSWORDS)
def test_any_unicode_password_registers_and_signs_in(app, client, password):
    assert register(client, "ann@example.org", password=password).status_code == 302
    confirm_everyone(app)
    assert signs_in(app, "ann@example.org", password)
    assert not signs_in(app, "ann@example.org", password + "!")


@pytest.mark.parametrize(("registered_as", "typed_as"), [("NFC", "NFD"), ("NFD", "NFC")])
def test_the_same_password_in_nfc_or_nfd_signs_in(app, client, registered_as, typed_as):
    password = "Crème brûlée à minuit"
    registered = unicodedata.normalize(registered_as, password)
    typed = unicodedata.normalize(typed_as, password)
    assert registered != typed
    assert register(client, "ann@example.org", password=registered).status_code == 302
    confirm_everyone(app)
    assert signs_in(app, "ann@example.org", typed)


def test_compatibility_forms_of_a_password_are_the_same_password():
    # NFKC: a full-width or ligature spelling, as some keyboards produce, matches too.
    stored = passwords.hash_password("office file 123")
    assert passwords.verify_password(stored, "oﬃce ﬁle １２３")
    assert not passwords.verify_password(stored, "office file 124")


def test_a_hash_made_before_normalisation_still_matches_what_was_typed():
    typed = unicodedata.normalize("NFD", "Crème brûlée à minuit")
    legacy = passwords._hasher.hash(typed)  # hashed as typed, as before normalisation
    assert passwords.verify_password(legacy, typed)
    assert not passwords.verify_password(legacy, typed + "x")


# -- look-alike names ------------------------------------------------------------------------

LOOK_ALIKES = [
    "\u0410nn Example",  # Cyrillic А
    "Ann \u0415\u0445ample",  # Cyrillic Е and х
    "\u0391nn Example",  # Greek Alpha
    "Ann Exam\u0440le",  # Cyrillic р
]
REAL_NAMES = [
    "Иван Петров",
    "Ivan Иванов",  # scripts may differ from word to word
    "José García",
    unicodedata.normalize("NFD", "Zoë O'Brien-Smith"),
    "山田 太郎",
    "山田たろう",  # Han and Hiragana in one word, as Japanese is written
    "김민준",
    "Ἀριστοτέλης",
    "Ann 🌻 2",
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_a_word_mixing_scripts_is_refused_at_registration(app, client, name):
    response = register(client, "eve@example.org", name=name)
    assert response.status_code == 422
    assert REFUSED in response.get_data(as_text=True)
    assert members(app) == []


@pytest.mark.parametrize("name", REAL_NAMES)
def test_real_names_in_any_script_are_accepted_and_stored_nfc(app, client, name):
    assert register(client, "ann@example.org", name=name).status_code == 302
    assert members(app) == [("ann@example.org", unicodedata.normalize("NFC", name))]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_the_service_check_refuses_the_same_look_alikes(name):
    with pytest.raises(ValidationError) as refused:
        names.check_display_name(name)
    assert refused.value.field == "display_name"


@pytest.mark.parametrize("name", REAL_NAMES)
def test_the_service_check_accepts_the_same_real_names(name):
    names.check_display_name(unicodedata.normalize("NFC", name))  # raises if refused


def test_changing_ones_name_to_a_look_alike_is_refused(app, client, auth):
    make_member(app, "ann@example.org", name="Ann Example")
    make_member(app, "eve@example.org", name="Eve")
    auth.login("eve@example.org")
    response = auth.post("/account", {"display_name": LOOK_ALIKES[0], "language": ""})
    assert response.status_code == 200
    assert REFUSED in response.get_data(as_text=True)
    assert sorted(name for _email, name in members(app)) == ["Ann Example", "Eve"]


def test_a_title_loses_direction_and_invisible_characters_and_is_stored_nfc(app, client, auth):
    make_member(app)
    auth.login()
    title = unicodedata.normalize("NFD", "Caf\u00e9 \u202egnippohs\u202c\u200b for all")
    data = {"kind": "campaign", "title": title, "summary": "S", "body": "B", "local_group": "0"}
    assert auth.post("/proposals/new", data).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Proposal.title)) == "Café gnippohs for all"
