"""Password reset, password change and email change, with their notices."""

from datetime import timedelta

import time_machine

from tests.conftest import PASSWORD, csrf_from, link_in, make_member, now_utc, outbox

NEW_PASSWORD = "a brand new passphrase"


def test_reset_answers_the_same_for_unknown_addresses(app, auth):
    make_member(app)
    known = auth.post("/reset", {"email": "ann@example.org"})
    unknown = auth.post("/reset", {"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert [m[0] for m in outbox(app)] == ["ann@example.org"]


def test_reset_link_sets_a_new_password_once(app, client, auth):
    make_member(app)
    auth.post("/reset", {"email": "ann@example.org"})
    path = link_in(outbox(app)[0][2])
    token = csrf_from(client.get(path).get_data(as_text=True))
    data = {"csrf_token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert client.post(path, data=data).status_code == 302
    assert client.get(path).status_code == 422  # used up
    assert auth.login(password=PASSWORD).status_code == 200  # old password refused
    assert auth.login(password=NEW_PASSWORD).status_code == 302
    assert "was changed" in outbox(app)[-1][1]


def test_reset_link_expires_after_an_hour(app, client, auth):
    make_member(app)
    auth.post("/reset", {"email": "ann@example.org"})
    path = link_in(outbox(app)[0][2])
    with time_machine.travel(now_utc() + timedelta(minutes=61)):
        response = client.get(path)
    assert response.status_code == 422
    assert "expired" in response.get_data(as_text=True)


def test_changing_password_signs_out_other_devices(app, auth):
    make_member(app)
    other_device = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other_device).login()
    auth.login()
    response = auth.post(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert auth.client.get("/account").status_code == 200  # this device stays in
    assert other_device.get("/account").status_code == 302  # the other is signed out
    assert outbox(app)[-1][0] == "ann@example.org" and "changed" in outbox(app)[-1][1]


def test_wrong_current_password_is_reported_beside_the_field(app, auth):
    make_member(app)
    auth.login()
    page = auth.post(
        "/account/password",
        {
            "current_password": "not my password",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    html = page.get_data(as_text=True)
    assert 'id="current_password-error"' in html and "not correct" in html


def test_email_change_needs_the_new_address_and_tells_the_old_one(app, client, auth):
    make_member(app)
    auth.login()
    auth.post(
        "/account/email",
        {"new_email": "ann.new@example.org", "password": PASSWORD},
        token_from="/account/email",
    )
    notice, confirm = outbox(app)
    assert notice[0] == "ann@example.org" and "requested" in notice[1]
    assert confirm[0] == "ann.new@example.org"
    path = link_in(confirm[2])
    client.post(path, data={"csrf_token": csrf_from(client.get(path).get_data(as_text=True))})
    assert outbox(app)[-1][0] == "ann@example.org" and "was changed" in outbox(app)[-1][1]
    auth.logout()
    assert auth.login("ann.new@example.org").status_code == 302


def test_logout_invalidates_a_copied_session_cookie(app, client, auth):
    make_member(app)
    auth.login(remember="y")
    stolen_session = client.get_cookie("session").value
    stolen_remember = client.get_cookie("remember_token").value
    assert app.test_client().get("/account").status_code == 302  # sanity: no cookie, no entry
    thief = app.test_client()
    thief.set_cookie("session", stolen_session)
    assert thief.get("/account").status_code == 200  # the copy works while signed in
    auth.logout()
    for name, value in (("session", stolen_session), ("remember_token", stolen_remember)):
        replay = app.test_client()
        replay.set_cookie(name, value)
        assert replay.get("/account").status_code == 302, name
