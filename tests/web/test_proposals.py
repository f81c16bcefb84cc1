"""Proposals in the browser's terms: forms without JavaScript, clear refusals, safe text."""

import re

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from deliberate.extensions import db
from deliberate.models import (
    AuditEntry,
    Proposal,
    ProposalState,
    Role,
    RoleGrant,
    Signature,
    ThresholdCrossing,
)
from deliberate.services import signing
from tests.conftest import AuthActions, csrf_from
from tests.proposal_builders import NOW, add_group, add_members, proposal, ruleset, use_rules

XSS_BODY = """<script>alert('x')</script>

[click me](javascript:alert(1)) and <img src=x onerror=alert(2)>

<a href="javascript:alert(3)">raw link</a> **bold** [fine](https://example.org/)
"""


def member_client(app, prefix: str, **kwargs):
    with app.app_context():
        add_members(db.session, 1, prefix=prefix, **kwargs)
    client = app.test_client()
    AuthActions(client).login(f"{prefix}.0@example.org")
    return client


def post_form(client, path: str, data: dict, *, page: str | None = None, **kwargs):
    token = csrf_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def signatures(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signature))


def test_draft_cosponsor_collect_sign_and_qualify(app):
    with app.app_context():
        use_rules(db.session, ruleset(threshold=2, co_sponsors=2))
    author = member_client(app, "author")
    response = post_form(
        author,
        "/proposals/new",
        {"kind": "campaign", "title": "Free tea", "summary": "Tea at meetings.",
         "body": "Tea *for all*.", "local_group": "0"},
    )  # fmt: skip
    assert response.status_code == 303
    page_path = response.headers["Location"]
    assert "Only you can see it" in author.get(page_path).get_data(as_text=True)
    assert app.test_client().get(page_path).status_code == 404  # drafts are private
    post_form(author, page_path + "/register", {}, page=page_path)
    page = author.get(page_path).get_data(as_text=True)
    invite = re.search(r'id="invite-link" [^>]*value="http://localhost([^"]+)"', page).group(1)
    for name in ("cosponsor", "backer"):
        backer = member_client(app, name)
        assert backer.get(invite).status_code == 200
        assert post_form(backer, invite, {}).status_code == 303
    page = author.get(page_path).get_data(as_text=True)
    assert "Collecting signatures" in page and "Runs under rulebook version 2" in page
    for name in ("first", "second"):
        signer = member_client(app, name)
        response = post_form(signer, page_path + "/sign", {"show_name": "y"}, page=page_path)
        assert response.status_code == 303
    page = author.get(page_path).get_data(as_text=True)
    assert "Threshold crossed: tier 1" in page and "In deliberation" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThresholdCrossing)) == 1


def test_markdown_scripts_handlers_and_javascript_links_come_out_inert(app):
    author = member_client(app, "author")
    response = post_form(
        author,
        "/proposals/new",
        {"kind": "campaign", "title": "<b>Title</b>", "summary": "S", "body": XSS_BODY,
         "local_group": "0"},
    )  # fmt: skip
    page = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert not re.search(r"<a\s[^>]*href=\"javascript", page)
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<b>Title</b>" not in page and "&lt;b&gt;Title&lt;/b&gt;" in page
    assert "<strong>bold</strong>" in page
    # A link to another site goes through the warning page (T22).
    assert (
        'href="/leave?to=https%3A%2F%2Fexample.org%2F" rel="nofollow noopener noreferrer ugc"'
        in page
    )


def test_bad_input_keeps_what_was_typed_and_saves_nothing(app):
    author = member_client(app, "author")
    response = post_form(
        author,
        "/proposals/new",
        {"kind": "campaign", "title": "", "summary": "Kept summary", "body": "Kept body",
         "local_group": "0"},
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the proposal a title." in page and "Kept summary" in page and "Kept body" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_ineligible_and_closed_get_clear_messages_and_nothing_is_recorded(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50, collection_days=1))
        path = f"/proposals/{p.public_id}"
    newcomer = member_client(
        app, "newcomer", joined_days_ago=-2
    )  # after today, whatever the clock says
    page = newcomer.get(path).get_data(as_text=True)
    assert "You cannot sign this proposal" in page and "You joined on" in page
    response = post_form(newcomer, path + "/sign", {}, page=path)
    assert response.status_code == 403 and "You joined on" in response.get_data(as_text=True)
    assert signatures(app) == 0


def test_signing_twice_says_already_signed(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        path = f"/proposals/{p.public_id}"
    signer = member_client(app, "signer")
    token = csrf_from(signer.get(path).get_data(as_text=True))
    assert signer.post(path + "/sign", data={"csrf_token": token}).status_code == 303
    again = signer.post(path + "/sign", data={"csrf_token": token})
    assert again.status_code == 409 and "already signed" in again.get_data(as_text=True)
    assert signatures(app) == 1
    assert "Withdraw my signature" in signer.get(path).get_data(as_text=True)
    assert post_form(signer, path + "/unsign", {}, page=path).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Proposal.signature_count)) == 0


def test_the_thank_you_follows_a_signature_without_rewriting_the_session(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        path = f"/proposals/{p.public_id}"
    signer = member_client(app, "signer")
    token = csrf_from(signer.get(path).get_data(as_text=True))
    signed = signer.post(path + "/sign", data={"csrf_token": token})
    assert signed.status_code == 303 and signed.headers["Location"].endswith("?signed=1")
    assert "Set-Cookie" not in signed.headers  # no flash: the cookie stays as it was
    page = signer.get(signed.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your signature is recorded." in page
    assert "your signature is recorded" not in signer.get(path).get_data(as_text=True)
    # The address alone thanks nobody who has not signed.
    bystander = member_client(app, "bystander")
    assert "signature is recorded" not in bystander.get(path + "?signed=1").get_data(as_text=True)
    post_form(signer, path + "/unsign", {}, page=path)
    assert "signature is recorded" not in signer.get(path + "?signed=1").get_data(as_text=True)


def test_a_signature_reads_the_member_and_proposal_as_rows_not_whole_objects(app):
    """The ORM objects select every column; the rows only what signing decides on."""
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        path = f"/proposals/{p.public_id}"
        engine = db.engine
    signer = member_client(app, "signer")
    token = csrf_from(signer.get(path).get_data(as_text=True))
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    sqlalchemy_event.listen(engine, "before_cursor_execute", before)
    try:
        signed = signer.post(path + "/sign", data={"csrf_token": token})
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", before)
    assert signed.status_code == 303 and signatures(app) == 1
    every = "\n".join(statements)
    assert "password_hash" not in every  # the whole member
    assert "body_html" not in every and "cosponsor_token" not in every  # the whole proposal
    assert any("session_token" in s for s in statements)  # the member was read, as a row


def test_a_signature_is_three_statements_and_on_postgresql_two_each_committing_alone(app):
    """The member, the proposal with the signer's burst counts, and the write (issue 9).

    On PostgreSQL the member and the proposal are one statement (services.signature_read)
    and no BEGIN or COMMIT goes with them (database.read_outside_transaction): a surge's
    signature is then three round trips with the pool's ping, not seven.
    """
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        path = f"/proposals/{p.public_id}"
        engine = db.engine
    signer = member_client(app, "signer")
    token = csrf_from(signer.get(path).get_data(as_text=True))
    sent: list[tuple[str, bool]] = []

    def before(conn, cursor, statement, *args):
        alone = getattr(conn.connection.dbapi_connection, "autocommit", False)
        sent.append((" ".join(statement.split()), alone))

    sqlalchemy_event.listen(engine, "before_cursor_execute", before)
    try:
        signed = signer.post(path + "/sign", data={"csrf_token": token})
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", before)
    assert signed.status_code == 303 and signatures(app) == 1
    reads = [statement for statement, _ in sent if statement.startswith("SELECT")]
    assert "FROM member" in reads[0]
    assert "recent_from_ip" in reads[-1] and "recent_from_domain" in reads[-1]
    if engine.dialect.name == "postgresql":
        assert len(reads) == 1, reads  # the member's load reads the proposal too
        assert [alone for _, alone in sent] == [True, True], sent
        assert sent[1][0].startswith("WITH open_proposal")
    else:
        assert len(reads) == 2, reads  # no read of its own for the burst check


def test_busy_database_answers_503_not_recorded(app, monkeypatch):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        path = f"/proposals/{p.public_id}"
    signer = member_client(app, "signer")

    def busy(*args, **kwargs):
        raise OperationalError("UPDATE proposal", {}, Exception("database is locked"))

    monkeypatch.setattr(signing, "sign_with", busy)
    response = post_form(signer, path + "/sign", {}, page=path)
    # Seconds, not the minute Flask-Limiter would put there for the signing limit.
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert "Your signature was NOT recorded" in response.get_data(as_text=True)
    assert signatures(app) == 0


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_SIGN": "3 per minute"}


def test_signing_too_fast_from_one_connection_is_limited_with_a_clear_message(app):
    with app.app_context():
        ps = [proposal(db.session, ruleset(threshold=50), title=f"P{i}") for i in range(4)]
        paths = [f"/proposals/{p.public_id}" for p in ps]
    signer = member_client(app, "signer")
    token = csrf_from(signer.get(paths[0]).get_data(as_text=True))
    codes = [signer.post(p + "/sign", data={"csrf_token": token}).status_code for p in paths]
    assert codes == [303, 303, 303, 429]
    last = signer.post(paths[3] + "/sign", data={"csrf_token": token})
    assert "signature was NOT recorded" in last.get_data(as_text=True)
    assert signatures(app) == 3


def test_list_filters_searches_sorts_and_refuses_unknown_sorts(app):
    with app.app_context():
        leeds = add_group(db.session, "Leeds")
        by = None
        a = proposal(db.session, ruleset(threshold=50), title="Bike racks everywhere")
        b = proposal(db.session, title="Cheaper tea 100%", local_group_id=None)
        for member_id in add_members(db.session, 2):
            signing.sign(db.session, proposal_id=b.id, member_id=member_id, show_name=False,
                         ip=None, now=NOW)  # fmt: skip
        del by, leeds
        a_title, b_title = a.title, b.title
    client = app.test_client()

    def titles(query: str) -> list[str]:
        page = client.get("/proposals" + query).get_data(as_text=True)
        return re.findall(r'<a href="/proposals/[^"/]+"><bdi>([^<]+)</bdi>', page)

    assert titles("?sort=most_signed") == [b_title, a_title]
    assert titles("?sort=newest") == [b_title, a_title]
    assert titles("?q=BIKE") == [a_title]
    assert titles("?q=100%25") == [b_title]
    assert titles("?q=%25") == [b_title]  # the % is matched literally, not as a wildcard
    assert titles("?state=lapsed") == []
    assert titles("?state=collecting&kind=campaign&sort=closing_soon") == [a_title, b_title]
    assert client.get("/proposals?sort=popular").status_code == 400
    assert client.get("/proposals?state=bogus").status_code == 400


def test_committee_gate_rejection_needs_a_reason_and_shows_it_publicly(app):
    from deliberate.core.rules import Admission

    with app.app_context():
        p = proposal(db.session, ruleset(admission=Admission(is_required=True)))
        path = f"/proposals/{p.public_id}"
    chair = member_client(app, "chair")
    with app.app_context():
        chair_id = db.session.scalar(select(RoleGrant.member_id)) or None
        del chair_id
        from deliberate.models import Member

        member = db.session.scalar(select(Member).where(Member.email == "chair.0@example.org"))
        db.session.add(RoleGrant(member_id=member.id, role=Role.COMMITTEE, granted_at=NOW))
        db.session.commit()
    empty = post_form(chair, path + "/reject", {"reason": ""}, page=path)
    assert empty.status_code == 422 and "State the reason" in empty.get_data(as_text=True)
    post_form(chair, path + "/reject", {"reason": "Not within our aims"}, page=path)
    page = app.test_client().get(path).get_data(as_text=True)
    assert "Rejected by the committee" in page and "Not within our aims" in page
    with app.app_context():
        assert db.session.scalar(select(Proposal.state)) == ProposalState.REJECTED
        assert "proposal.rejected" in db.session.scalars(select(AuditEntry.action)).all()


def test_member_page_lists_proposed_and_publicly_signed_only(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50), title="Visible one")
        q = proposal(db.session, title="Quietly signed")
        (member_id,) = add_members(db.session, 1, prefix="shy")
        signing.sign(db.session, proposal_id=q.id, member_id=member_id, show_name=False, ip=None,
                     now=NOW)  # fmt: skip
        from deliberate.models import Member

        author_ref = p.author.public_id
        shy_ref = db.session.get(Member, member_id).public_id
    assert "Visible one" in app.test_client().get(f"/members/{author_ref}").get_data(as_text=True)
    assert "Quietly signed" not in app.test_client().get(f"/members/{shy_ref}").get_data(
        as_text=True
    )
    shy = app.test_client()
    AuthActions(shy).login("shy.0@example.org")
    assert "Quietly signed" in shy.get(f"/members/{shy_ref}").get_data(as_text=True)


def test_committee_previews_then_invalidates_by_ip(app):
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=50))
        for member_id in add_members(db.session, 3, prefix="bot"):
            signing.sign(db.session, proposal_id=p.id, member_id=member_id, show_name=False,
                         ip="203.0.113.9", now=NOW)  # fmt: skip
    chair = member_client(app, "chair")
    with app.app_context():
        from deliberate.models import Member

        member = db.session.scalar(select(Member).where(Member.email == "chair.0@example.org"))
        db.session.add(RoleGrant(member_id=member.id, role=Role.COMMITTEE, granted_at=NOW))
        db.session.commit()
    page = chair.get("/admin/signatures").get_data(as_text=True)
    assert "203.0.113.9" in page
    preview = post_form(chair, "/admin/signatures", {"field": "ip", "value": "203.0.113.9",
                                                     "action": "preview"})  # fmt: skip
    assert "3 valid signatures match" in preview.get_data(as_text=True)
    done = post_form(
        chair, "/admin/signatures",
        {"field": "ip", "value": "203.0.113.9", "action": "apply", "expected": "3",
         "reason": "One address"},
    )  # fmt: skip
    assert done.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Proposal.signature_count)) == 0


def test_notifications_list_and_settings(app):
    with app.app_context():
        use_rules(db.session, ruleset(threshold=1))
    author = member_client(app, "author")
    response = post_form(
        author, "/proposals/new",
        {"kind": "campaign", "title": "T", "summary": "S", "body": "B", "local_group": "0"},
    )  # fmt: skip
    path = response.headers["Location"]
    post_form(author, path + "/register", {}, page=path)
    page = author.get("/notifications").get_data(as_text=True)
    assert "is open for signatures" in page
    assert post_form(author, "/notifications/read", {}, page="/notifications").status_code == 303
    response = post_form(author, "/notifications/settings", {"own_opened:app": "on"})
    assert response.status_code == 303
    page = author.get("/notifications/settings").get_data(as_text=True)
    assert 'name="own_opened:app" id="own_opened-app" aria-label' in page
    assert re.search(r'name="own_opened:email"[^>]*aria-label="[^"]*"\s*>', page)


def test_signing_no_such_proposal_or_someone_elses_draft_is_404_and_stores_nothing(app):
    # On PostgreSQL both are found (or not) by the member's load (services.signature_read).
    with app.app_context():
        draft = proposal(db.session, ruleset(threshold=50), register=False)
        draft_path = f"/proposals/{draft.public_id}"
    signer = member_client(app, "signer")
    token = csrf_from(signer.get("/proposals").get_data(as_text=True))

    missing = signer.post("/proposals/NOSUCHREF/sign", data={"csrf_token": token})
    hidden = signer.post(draft_path + "/sign", data={"csrf_token": token})

    assert missing.status_code == 404 and hidden.status_code == 404
    assert signatures(app) == 0
