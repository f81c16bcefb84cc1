"""T26: cross-site requests on sign, vote and committee actions are refused and write nothing.

Three layers: the CSRF token is bound to the session that received it; a post whose
Origin names another site (or is ``null``) is refused; on HTTPS, Flask-WTF's strict
check wants a same-site Referer. Every POST-only route answers 405 to a GET, so no link
or image can change anything.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import Participation, Referendum, Role, Signature, utcnow
from tests.conftest import PASSWORD, AuthActions, csrf_from, make_member
from tests.proposal_builders import proposal, ruleset
from tests.voting import make_vote
from tests.web.test_permissions import client_for, routes, url_arguments

EVIL = "https://evil.example"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def signed_in(app, email: str, *, roles=(), base_url: str = "http://localhost"):
    make_member(app, email, name=email.split("@")[0].title(), roles=roles)
    client = app.test_client()
    if base_url.startswith("https"):
        client = app.test_client()
        page = client.get("/login", base_url=base_url).get_data(as_text=True)
        response = client.post(
            "/login",
            base_url=base_url,
            data={"csrf_token": csrf_from(page), "email": email, "password": PASSWORD},
            headers={"Referer": f"{base_url}/login", "Origin": base_url},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client
    AuthActions(client).login(email)
    return client


def token_of(client, path: str, base_url: str = "http://localhost") -> str:
    return csrf_from(client.get(path, base_url=base_url).get_data(as_text=True))


@pytest.fixture
def targets(app):
    """A collecting proposal and an open vote, both open to every member."""
    with app.app_context():
        ref = proposal(db.session, ruleset(threshold=100)).public_id
    return ref


def open_vote(app) -> str:
    start = utcnow() - timedelta(hours=1)
    return make_vote(app, opens_at=start, closes_at=start + timedelta(days=1), now=utcnow())


def test_another_sessions_token_is_refused_and_nothing_is_recorded(app, targets):
    ann = signed_in(app, "ann@example.org", roles=(Role.COMMITTEE,))
    bob = signed_in(app, "bob@example.org", roles=(Role.COMMITTEE,))
    vote = open_vote(app)  # both are on the electorate frozen now
    bobs_token = token_of(bob, f"/proposals/{targets}")
    # Bob's token is valid, but only in Bob's session.
    own = bob.post(
        f"/referendums/{vote}/receipt", data={"csrf_token": bobs_token, "receipt": "x" * 22}
    )
    assert own.status_code == 200
    signing = ann.post(f"/proposals/{targets}/sign", data={"csrf_token": bobs_token})
    voting = ann.post(f"/referendums/{vote}/vote", data={"csrf_token": bobs_token, "choice": "yes"})
    creating = ann.post(
        "/referendums/new",
        data={"csrf_token": bobs_token, "kind": "referendum", "method": "yes_no",
              "question": "Forged?", "opens_at": "2030-01-01T10:00",
              "closes_at": "2030-01-08T10:00", "statuses": "active",
              "min_membership_days": "0", "majority": "1/2"},
    )  # fmt: skip
    for response in (signing, voting, creating):
        assert response.status_code == 400
        assert "nothing was saved" in response.get_data(as_text=True)
    assert count(app, Signature) == 0 and count(app, Participation) == 0
    assert count(app, Referendum) == 1  # only the vote this test opened


@pytest.mark.parametrize("origin", [EVIL, "null", "http://localhost.evil.example"])
def test_a_post_from_another_origin_is_refused_even_with_a_valid_token(app, targets, origin):
    ann = signed_in(app, "ann@example.org")
    token = token_of(ann, f"/proposals/{targets}")
    response = ann.post(
        f"/proposals/{targets}/sign", data={"csrf_token": token}, headers={"Origin": origin}
    )
    assert response.status_code == 400
    assert "came from another site" in response.get_data(as_text=True)
    assert count(app, Signature) == 0
    same_site = ann.post(
        f"/proposals/{targets}/sign",
        data={"csrf_token": token},
        headers={"Origin": "http://localhost"},
    )
    assert same_site.status_code == 303 and count(app, Signature) == 1


def test_every_post_route_refuses_a_foreign_origin(app):
    client = client_for(app, "committee")
    target = make_member(app, "target@example.org", name="Target")
    checked = 0
    for rule in routes(app, "POST"):
        if rule.endpoint.startswith("api."):
            continue  # token-authenticated, exempt from CSRF: no cookie to ride on
        url = app.url_map.bind("localhost").build(rule.endpoint, url_arguments(app, target))
        token = token_of(client, "/")
        response = client.post(url, data={"csrf_token": token}, headers={"Origin": EVIL})
        assert response.status_code == 400, f"POST {url}: {response.status_code}"
        checked += 1
    assert checked > 30


@pytest.fixture
def https(app):
    """The app as it runs behind TLS: Secure cookies, so the session rides only on HTTPS."""
    app.config["SESSION_COOKIE_SECURE"] = True
    return "https://localhost"


@pytest.mark.parametrize(
    ("headers", "is_refused"),
    [
        ({}, True),  # no Referer at all: Flask-WTF's strict check on HTTPS
        ({"Referer": f"{EVIL}/page"}, True),
        ({"Referer": "http://localhost/proposals"}, True),  # a downgrade is another origin
        ({"Referer": "https://localhost/proposals", "Origin": EVIL}, True),
        ({"Referer": "https://localhost/proposals"}, False),
    ],
)
def test_on_https_a_post_needs_a_same_site_referer(app, targets, https, headers, is_refused):
    ann = signed_in(app, "ann@example.org", base_url=https)
    token = token_of(ann, f"/proposals/{targets}", https)
    response = ann.post(
        f"/proposals/{targets}/sign", base_url=https, data={"csrf_token": token}, headers=headers
    )
    assert (response.status_code == 400) is is_refused, response.status_code
    assert count(app, Signature) == (0 if is_refused else 1)


# What a browser sends with a same-origin form post, by the page's Referrer-Policy
# (observed with Chromium: under no-referrer it sends "Origin: null" and no Referer).
BROWSER_SENDS = {
    "no-referrer": {"Origin": "null"},
    "same-origin": {"Origin": "{base}", "Referer": "{base}{path}"},
    "strict-origin": {"Origin": "{base}", "Referer": "{base}/"},
    "strict-origin-when-cross-origin": {"Origin": "{base}", "Referer": "{base}{path}"},
}


def test_our_referrer_policy_lets_our_own_forms_through_on_https(app, targets, https):
    """A policy of no-referrer would make every form on an HTTPS site fail its CSRF check."""
    ann = signed_in(app, "ann@example.org", base_url=https)
    path = f"/proposals/{targets}"
    page = ann.get(path, base_url=https)
    policy = page.headers["Referrer-Policy"]
    assert policy in BROWSER_SENDS, policy
    headers = {k: v.format(base=https, path=path) for k, v in BROWSER_SENDS[policy].items()}
    token = csrf_from(page.get_data(as_text=True))
    response = ann.post(f"{path}/sign", base_url=https, data={"csrf_token": token}, headers=headers)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert count(app, Signature) == 1


def test_get_on_a_post_only_route_answers_405_and_changes_nothing(app):
    client = client_for(app, "committee")
    target = make_member(app, "target@example.org", name="Target")
    # A path may have a GET view of its own (a list beside the form that adds to it):
    # that GET reads. Every path that only takes POST must refuse a GET.
    readable = {r.rule for r in routes(app, "GET")}
    post_only = [r for r in routes(app, "POST") if r.rule not in readable]
    assert len(post_only) > 20
    for rule in post_only:
        url = app.url_map.bind("localhost").build(rule.endpoint, url_arguments(app, target))
        response = client.get(url)
        assert response.status_code == 405, f"GET {url}: {response.status_code}"
        assert "POST" in response.headers["Allow"], url
    assert count(app, Signature) == 0
