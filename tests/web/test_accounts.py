"""Registration, confirmation, sign-in and sign-out through the real forms."""

from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Member
from tests.conftest import PASSWORD, csrf_from, link_in, make_member, outbox


def register(auth, email="new@example.org", **overrides):
    data = {
        "display_name": "New Member",
        "email": email,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "local_group": "0",
        "accept_declaration": "y",
    }
    data.update(overrides)
    return auth.post("/register", data)


def test_register_confirm_sign_in_and_out(app, client, auth):
    response = register(auth)
    assert response.status_code == 302 and response.location.endswith("/register/check-inbox")
    response.close()  # as a WSGI server does once it has sent the answer: then mail goes out
    ((to, subject, body, status),) = outbox(app)
    assert to == "new@example.org" and "Confirm your email" in subject and status == "sent"

    # An unconfirmed account cannot sign in yet.
    page = auth.login("new@example.org").get_data(as_text=True)
    assert "confirm your email address first" in page

    verify_path = link_in(body)
    page = client.get(verify_path).get_data(as_text=True)
    assert "Confirm my email" in page  # a GET only shows the button
    response = client.post(verify_path, data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302

    response = auth.login("new@example.org")
    assert response.status_code == 302
    assert "New Member" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "Sign in" in client.get("/").get_data(as_text=True)


def test_confirmation_link_works_only_once(app, client, auth):
    register(auth)
    path = link_in(outbox(app)[0][2])
    token = csrf_from(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    again = client.post(path, data={"csrf_token": token})
    assert again.status_code == 422
    assert "expired or has already been used" in again.get_data(as_text=True)


def test_registering_a_known_email_looks_the_same_and_mails_the_owner(app, client, auth):
    make_member(app, "ann@example.org")
    known = register(auth, "ann@example.org")
    unknown = register(auth, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.location == unknown.location
    messages = outbox(app)
    assert [m[0] for m in messages] == ["ann@example.org", "nobody@example.org"]
    assert "already has one" in messages[0][2]
    with app.app_context():
        assert (
            db.session.scalar(select(Member.display_name).where(Member.email == "ann@example.org"))
            == "Ann Example"
        )


def test_bad_registration_keeps_input_and_explains_each_field(app, client, auth):
    response = register(
        auth,
        email="not-an-email",
        password="short",
        password_confirm="other",
        accept_declaration="",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a valid email address" in page
    assert "Use between 10 and 1000 characters" in page
    assert "You must accept the declaration" in page
    assert 'value="New Member"' in page and 'value="not-an-email"' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="email-error"' in page
    with app.app_context():
        assert db.session.scalar(select(Member.id)) is None
    assert outbox(app) == []


def test_wrong_password_and_unknown_email_get_the_same_answer(app, auth):
    make_member(app)
    wrong = auth.login("ann@example.org", "wrong password!").get_data(as_text=True)
    unknown = auth.login("ghost@example.org", "wrong password!").get_data(as_text=True)
    message = "That email and password do not match an account."
    assert message in wrong and message in unknown


def test_sign_in_is_rate_limited_with_a_clear_message(app, auth):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    make_member(app)
    for _ in range(3):
        assert auth.login(password="wrong password!").status_code == 200
    response = auth.login()
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


def test_forms_without_csrf_token_are_refused_and_change_nothing(app, client):
    response = client.post(
        "/register",
        data={
            "display_name": "X",
            "email": "x@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "accept_declaration": "y",
        },
    )
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Member.id)) is None


def test_session_cookie_is_httponly_and_samesite(app, auth):
    make_member(app)
    response = auth.login()
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_starts_a_new_session(app, client, auth):
    make_member(app)
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as after:
        assert "planted" not in after


def test_open_redirect_after_login_is_refused(app, auth):
    make_member(app)
    for target in ("//evil.example", "https://evil.example/", "/\\evil.example", "javascript:x"):
        response = auth.post(
            f"/login?next={target}", {"email": "ann@example.org", "password": PASSWORD}
        )
        assert response.status_code == 302 and response.location == "/", target
        auth.logout()
    response = auth.post("/login?next=/account", {"email": "ann@example.org", "password": PASSWORD})
    assert response.location == "/account"


def test_the_demo_logins_can_sign_in_through_the_form(app, auth):
    # The demo uses the reserved .test domain, which a strict email check would refuse.
    make_member(app, "member@demo.deliberate.test")
    assert auth.login("member@demo.deliberate.test").status_code == 302
