"""T12: an open initiative keeps its frozen threshold. T15: signing and voting by state.

T12. While a proposal collects signatures the committee changes the rule through the
rulebook editor: the proposal's page still names the rulebook version and threshold it
was registered under, a proposal registered afterwards shows the new ones, and no POST
route that takes a proposal lets the committee change the frozen rules (the editing
ones answer 404 or 409; none touches the snapshot). The API has no write routes at all.

T15. A signature on a proposal in every state but open collecting, and a ballot on a
vote in every state but open, is refused with a message that names the state, and the
refusal writes nothing: every table has the same rows after the POST as before it.
"""

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select, update

from deliberate.core.rules import Admission
from deliberate.extensions import db
from deliberate.labels import label
from deliberate.models import Base, Member, Proposal, ProposalState, Role, utcnow
from deliberate.services import committee_gate, counting, proposals, referendums, signing
from tests.conftest import AuthActions, csrf_from, make_member
from tests.proposal_builders import add_members, author, proposal, ruleset
from tests.voting import make_vote
from tests.web.test_rulebook import form_fields, post_edit

QUALIFIED, DELIBERATION = ProposalState.QUALIFIED, ProposalState.DELIBERATION
FROZEN = ("rulebook_version_id", "ruleset_json", "ruleset_hash", "electorate_size")


def snapshot(app) -> dict[str, tuple]:
    """Every table's rows, so a refusal can be shown to have written nothing."""
    with app.app_context():
        return {
            table.name: tuple(
                map(tuple, db.session.execute(select(table).order_by(*table.primary_key)).all())
            )
            for table in Base.metadata.sorted_tables
        }


def frozen(app, ref: str) -> tuple:
    with app.app_context():
        p = db.session.scalar(select(Proposal).where(Proposal.public_id == ref))
        return tuple(getattr(p, name) for name in FROZEN)


def signed_in(app, email: str, *, roles=()):
    make_member(app, email, name=email.split("@")[0].title(), roles=roles)
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302
    return client


def token(client, path: str = "/account") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


# --- T12 -----------------------------------------------------------------------------


def test_the_page_keeps_showing_the_rulebook_and_threshold_a_proposal_was_registered_under(
    app, auth
):
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    with app.app_context():
        old = proposal(db.session, ruleset(threshold=40), title="Registered before")
        ref, registered_under = old.public_id, old.rulebook_version_id
        path = f"/proposals/{ref}"
        version = db.session.scalar(select(func.max(Proposal.rulebook_version_id)))
        (signer,) = add_members(db.session, 1, prefix="signer")
    member = app.test_client()
    AuthActions(member).login("signer.0@example.org")
    assert member.post(path + "/sign", data={"csrf_token": token(member, path)}).status_code == 303
    before = frozen(app, ref)
    page = member.get(path).get_data(as_text=True)
    assert f"Runs under rulebook version {version} " in page and "1 of 40 signatures" in page

    auth.login("chair@example.org")
    raised = form_fields("Campaign", [{"count": "70", "consequence": "debate"}], reason="Raise it")
    changed = post_edit(auth.client, raised)
    assert changed.status_code == 302, changed.get_data(as_text=True)[:300]

    assert frozen(app, ref) == before
    page = member.get(path).get_data(as_text=True)
    assert f"Runs under rulebook version {version} " in page and "1 of 40 signatures" in page
    with app.app_context():
        new = proposal(db.session, title="Registered after", by=author(db.session))
        assert new.rulebook_version_id != registered_under
        new_path = f"/proposals/{new.public_id}"
    page = member.get(new_path).get_data(as_text=True)
    assert f"Runs under rulebook version {version + 1} " in page and "0 of 70 signatures" in page


# Routes that change a proposal itself: the committee is refused with 404 (not its
# author) or 409 (not at that stage). The rest (sign, discussion, amendments, the
# counter-proposal) are members' actions that may succeed but never touch the snapshot.
EDITING = {
    "proposals.edit": 404,
    "proposals.register": 404,
    "proposals.withdraw": 404,
    "proposals.invite": 404,
    "proposals.cosponsor": 404,
    "amendment_drafting.edit": 404,
    "proposals.admit": 409,
    "proposals.reject": 409,
}
HOSTILE = {
    "threshold": "1",
    "tiers-0-count": "1",
    "tiers-0-percentage": "0.01",
    "ruleset_json": '{"tiers": []}',
    "electorate_size": "1",
    "rulebook_version_id": "1",
    "reason": "Lower the threshold",
    "title": "Lower threshold",
    "summary": "Lower it.",
    "body": "Lower it.",
    "emails": "friend@example.org",
}


def test_no_route_lets_the_committee_change_an_open_initiatives_frozen_rules(app):
    chair = signed_in(app, "chair@example.org", roles=(Role.COMMITTEE,))
    with app.app_context():
        ref = proposal(db.session, ruleset(threshold=40)).public_id
    before = frozen(app, ref)
    adapter = app.url_map.bind("localhost")
    seen = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or not {"ref", "proposal_id"} & set(rule.arguments):
            continue
        url = adapter.build(rule.endpoint, {"ref": ref, "proposal_id": ref, "token": "made-up"})
        response = chair.post(url, data={"csrf_token": token(chair), **HOSTILE})
        if rule.endpoint in EDITING:
            assert response.status_code == EDITING[rule.endpoint], (url, response.status_code)
        assert response.status_code < 500, url
        assert frozen(app, ref) == before, f"POST {url} changed the frozen rules"
        seen.add(rule.endpoint)
    assert set(EDITING) <= seen  # the walk reached every editing route
    assert not [
        r.rule for r in app.url_map.iter_rules()
        if r.endpoint.startswith("api.") and r.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]  # fmt: skip


# --- T15: signing ---------------------------------------------------------------------


def _set(session, p, **values):
    session.execute(update(Proposal).where(Proposal.id == p.id).values(**values))
    session.commit()


def _build(session, case: str):
    """A proposal in the state ``case`` names, reached the way it is reached in use."""
    if case in ("others-draft", "own-draft"):
        return proposal(session, ruleset(threshold=50), register=False)
    if case == "seeking-cosponsors":
        return proposal(session, ruleset(threshold=50, co_sponsors=2))
    if case in ("awaiting-committee", "rejected"):
        p = proposal(session, ruleset(threshold=50, admission=Admission(is_required=True)))
        if case == "rejected":
            chair = session.get(Member, add_members(session, 1, prefix="chair")[0])
            committee_gate.reject(session, proposal_id=p.id, reason="Off topic", actor=chair,
                             now=utcnow())  # fmt: skip
        return p
    p = proposal(session, ruleset(threshold=1 if case == "qualified" else 50))
    if case == "qualified":  # its one signature crosses the threshold; reads move it on
        (first,) = add_members(session, 1, prefix="first")
        signing.sign(session, proposal_id=p.id, member_id=first, show_name=False, ip=None,
                     now=utcnow())  # fmt: skip
    elif case == "not-yet-open":
        _set(session, p, signatures_open_at=utcnow() + timedelta(days=1))
    elif case == "window-closed":  # the page's read lapses it
        _set(session, p, signatures_open_at=utcnow() - timedelta(days=31),
             collection_closes_at=utcnow() - timedelta(minutes=1))  # fmt: skip
    elif case == "withdrawn":
        proposals.withdraw(session, proposal_id=p.id, author_id=p.author_id, now=utcnow())
    else:  # stages reached through a vote: set as they are stored
        _set(session, p, state=ProposalState(case))
    return p


SIGN_CASES = {
    "others-draft": (404, "There is no such proposal, or it is still a draft."),
    "own-draft": (409, "Signatures have not opened yet: the proposal still needs its co-sponsors."),
    "seeking-cosponsors": (409, "still needs its co-sponsors."),
    "awaiting-committee": (409, "Signatures have not opened yet: the proposal awaits the"),
    "not-yet-open": (409, "Signatures have not opened yet."),
    "window-closed": (409, ProposalState.LAPSED),
    "withdrawn": (409, ProposalState.WITHDRAWN),
    "rejected": (409, ProposalState.REJECTED),
    "qualified": (409, ProposalState.QUALIFIED),
    **{state: (409, ProposalState(state)) for state in
       ("lapsed", "deliberation", "voting", "passed", "failed")},
}  # fmt: skip


@pytest.mark.parametrize("case", SIGN_CASES)
def test_signing_outside_open_collection_is_refused_by_state_and_writes_nothing(app, case):
    with app.app_context():
        p = _build(db.session, case)
        ref, by = p.public_id, p.author.email
    signer = app.test_client()
    if case == "own-draft":
        AuthActions(signer).login(by)
    else:
        make_member(app, "signer@example.org", name="Signer")
        AuthActions(signer).login("signer@example.org")
    path = f"/proposals/{ref}"
    csrf = token(signer, path if case != "others-draft" else "/account")
    before = snapshot(app)  # after the page's read, which may move a due proposal on
    response = signer.post(path + "/sign", data={"csrf_token": csrf})
    status, message = SIGN_CASES[case]
    if isinstance(message, ProposalState):
        with app.test_request_context():
            state = db.session.scalar(select(Proposal.state).where(Proposal.public_id == ref))
            # A qualified proposal moves on to its debate as soon as it is read.
            assert state == message or (message, state) == (QUALIFIED, DELIBERATION)
            message = f"Signatures are closed: this proposal is at the stage “{label(state)}”."
    assert response.status_code == status
    assert str(escape(message)) in response.get_data(as_text=True)
    assert snapshot(app) == before


# --- T15: voting ----------------------------------------------------------------------


def _vote(app, case: str) -> str:
    now = utcnow()
    if case == "draft":
        return make_vote(app, opens_at=now + timedelta(days=1), now=now)
    if case == "past-close-uncounted":  # the page's read closes and counts it
        start = now - timedelta(days=2)
        return make_vote(app, opens_at=start, closes_at=start + timedelta(days=1), now=start)
    vote = make_vote(app, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1),
                     now=now)  # fmt: skip
    with app.app_context():
        closes = referendums.get(db.session, vote).closes_at
        db.session.commit()
        counting.close_and_count(db.session, vote, closes)
    return vote


NOT_OPEN, CLOSED = "Voting has not opened yet. Nothing was recorded.", "Voting has closed."
VOTE_CASES = {
    ("draft", "member"): (404, "There is nothing here."),  # a member cannot see drafts
    ("draft", "committee"): (409, NOT_OPEN),
    ("closed", "member"): (409, CLOSED + " Nothing was recorded."),
    ("past-close-uncounted", "member"): (409, CLOSED + " Nothing was recorded."),
}


@pytest.mark.parametrize(("case", "role"), VOTE_CASES)
def test_voting_outside_an_open_vote_is_refused_by_state_and_writes_nothing(app, case, role):
    roles = (Role.COMMITTEE,) if role == "committee" else ()
    voter = signed_in(app, f"{role}@example.org", roles=roles)  # before opening: eligible
    vote = _vote(app, case)
    path = f"/referendums/{vote}"
    csrf = token(voter, path if role == "committee" or case != "draft" else "/account")
    before = snapshot(app)
    response = voter.post(path + "/vote", data={"csrf_token": csrf, "choice": "yes"})
    status, message = VOTE_CASES[(case, role)]
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert snapshot(app) == before
