"""Every route declares a policy, and every role gets exactly what the policy says."""

import pytest

from deliberate.models import Role
from tests.conftest import AuthActions, csrf_from, make_member
from tests.debate_builders import debate_fixture
from tests.proposal_builders import proposal_fixture

ROLES = ("anonymous", "member", "moderator", "committee", "auditor")
ROLE_GRANTS = {
    "member": (),
    "moderator": (Role.MODERATOR,),
    "committee": (Role.COMMITTEE,),
    "auditor": (Role.AUDITOR,),
}
# Who passes each named policy.
ALLOWED = {
    "public": set(ROLES),
    "is_signed_in": {"member", "moderator", "committee", "auditor"},
    "is_active_member": {"member", "moderator", "committee", "auditor"},
    "can_manage_members": {"committee"},
    "is_auditor": {"auditor"},
    # Token-only API routes: no session, whatever its role, gets in (401).
    "api_token": set(),
    "can_view_audit_log": {"committee", "auditor"},
    "can_edit_rulebook": {"committee"},
    "can_view_votes": {"member", "moderator", "committee", "auditor"},
    "can_vote": {"member", "moderator", "committee"},
    "can_run_votes": {"committee"},
    "can_take_part": {"member", "moderator", "committee"},
    "can_moderate": {"moderator"},
    "can_see_hidden": {"moderator", "auditor"},
    "can_put_counter_proposal": {"committee"},
    # Proposals: auditors observe, so they neither propose nor sign.
    "can_propose": {"member", "moderator", "committee"},
    "can_sign": {"member", "moderator", "committee"},
    "can_decide_gate": {"committee"},
    "can_review_signatures": {"committee"},
}
# Routes whose allowed answer is not 200 even for a permitted user, with the reason.
SPECIAL_GET = {
    "auth.reset": 422,  # a made-up token is refused with a clear page
    "auth.two_factor_login": 302,  # without a password step first, back to the sign-in page
    # The fixture makes no vote, so a vote's pages answer 404 for a made-up id.
    "referendums.detail": 404,
    "referendums.results": 404,
    "referendums.ballots": 404,
    "referendums.ballots_csv": 404,
    "audit.bundle": 404,  # and so has no audit bundle
    "api.referendum": 404,
    "api.referendum_results": 404,
    # The debate fixture has no referendum; its discussion is looked up by the vote's id.
    "debate.referendum_thread": 404,
    # Only a contribution's author may edit it or appeal its hiding; to anyone else it is
    # not there (T34), and the fixture's posts belong to none of the signed-in roles.
    "debate.edit": 404,
    "debate.appeal": 404,
    # The proposal fixture's author is none of the roles: its edit page is not there (T34).
    "proposals.edit": 404,
    "amendment_drafting.edit": 404,  # likewise its amendment (and it is no rule change)
    # A made-up invitation token finds no invitation.
    "proposals.cosponsor": 404,
    # Without ?to= naming another site, the link warning has nothing to warn about (T22).
    "main.leave": 400,
}


def url_arguments(app, target_public_id: str) -> dict:
    return {
        "public_id": target_public_id,
        "token": "not-a-real-token",
        "kind": "campaign",
        "number": 1,
        "token_id": 1,
        **debate_fixture(app),
        **proposal_fixture(app),
    }


def routes(app, method: str):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or method not in rule.methods:
            continue
        yield rule


def test_every_route_declares_a_policy(app):
    missing = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "policy")
    ]
    assert missing == [], f"routes without a declared policy: {missing}"


def test_every_policy_is_known_to_this_test(app):
    policies = {
        app.view_functions[r.endpoint].policy
        for r in app.url_map.iter_rules()
        if r.endpoint != "static"
    }
    assert policies <= set(ALLOWED), policies - set(ALLOWED)


def client_for(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        make_member(app, f"{role}@example.org", name=role.title(), roles=ROLE_GRANTS[role])
        AuthActions(client).login(f"{role}@example.org")
    return client


@pytest.mark.parametrize("role", ROLES)
def test_get_routes_answer_each_role_as_declared(app, role):
    target = make_member(app, "target@example.org", name="Target")
    client = client_for(app, role)
    for rule in routes(app, "GET"):
        url = app.url_map.bind("localhost").build(rule.endpoint, url_arguments(app, target))
        status = client.get(url).status_code
        policy = app.view_functions[rule.endpoint].policy
        if role in ALLOWED[policy]:
            expected = SPECIAL_GET.get(rule.endpoint, 200)
        elif policy == "api_token":
            expected = 401
        else:
            expected = 302 if role == "anonymous" else 403
        assert status == expected, f"{role} GET {url} ({policy}): {status}"


@pytest.mark.parametrize("role", ROLES)
def test_post_routes_refuse_roles_outside_their_policy(app, role):
    target = make_member(app, "target@example.org", name="Target")
    client = client_for(app, role)
    for rule in routes(app, "POST"):
        if rule.endpoint == "auth.logout":
            continue  # it ends the session the loop relies on; tested in test_accounts
        url = app.url_map.bind("localhost").build(rule.endpoint, url_arguments(app, target))
        token = csrf_from(client.get("/login").get_data(as_text=True))
        status = client.post(url, data={"csrf_token": token}).status_code
        policy = app.view_functions[rule.endpoint].policy
        if role in ALLOWED[policy]:
            assert status != 403 and status < 500, f"{role} POST {url}: {status}"
        else:
            expected = 302 if role == "anonymous" else 403
            assert status == expected, f"{role} POST {url} ({policy}): {status}"


def test_posts_without_csrf_token_are_refused_for_every_route(app):
    client = client_for(app, "committee")
    target = make_member(app, "target@example.org", name="Target")
    for rule in routes(app, "POST"):
        url = app.url_map.bind("localhost").build(rule.endpoint, url_arguments(app, target))
        assert client.post(url, data={}).status_code == 400, url
