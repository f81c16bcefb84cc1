"""Debate pages: threads, endorsing, moderation in public, appeals, amendments, XSS, speed."""

import html as html_lib
import re

import pytest
from markupsafe import escape
from sqlalchemy import event, select

from deliberate.extensions import db
from deliberate.models import Contribution, Endorsement, Member, Role, Stance
from deliberate.services import debate, moderation
from tests.conftest import AuthActions, csrf_from, make_member, outbox
from tests.debate_builders import NOW, contribute, make_proposal

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">',
    '"><svg onload=alert(1)>',
    "{{7*7}}",
]
# What each payload must never become in a page (markup that a browser would act on).
DANGEROUS = re.compile(
    r"<script>alert|<img[^>]*onerror|<a[^<>]*href=[\"']?javascript:|<svg[^>]*onload", re.I
)


def sign_in(app, email, name="Member", roles=()):
    client = app.test_client()
    public_id = make_member(app, email, name=name, roles=roles)
    AuthActions(client).login(email)
    return client, public_id


def post_form(client, path, data, token_from=None):
    token = csrf_from(client.get(token_from or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def assert_inert(page: str, payload: str, where: str = ""):
    """The payload is not live markup, and shows as text (escaped, or inert as it is)."""
    match = DANGEROUS.search(page)
    assert match is None, f"{where}: {match.group(0)}"
    if "<" in payload:
        assert payload not in page, where
        escaped = {html_lib.escape(payload, quote=False), str(escape(payload))}
        assert any(form in page for form in escaped), where
    else:
        assert payload in page, where  # "{{7*7}}" and the bare link stay plain text
    if payload == "{{7*7}}":
        assert "Body 49" not in page and "Title 49" not in page, where


@pytest.fixture
def world(app):
    ann_client, ann = sign_in(app, "ann@example.org", "Ann")
    proposal = make_proposal(app, ann)
    return {"ann": ann, "ann_client": ann_client, "proposal": proposal}


def thread_path(proposal):
    return f"/proposals/{proposal}/discussion"


def test_thread_shows_replies_nested_and_sorts(app, world):
    bo_client, bo = sign_in(app, "bo@example.org", "Bo")
    root = contribute(app, world["proposal"], bo, "Root argument", stance=Stance.FOR)
    contribute(app, world["proposal"], world["ann"], "A reply", parent=root, minutes=1)
    page = app.test_client().get(thread_path(world["proposal"])).get_data(as_text=True)
    assert page.index("Root argument") < page.index("A reply")
    assert 'class="contribution depth-1' in page
    assert "stance-for" in page
    assert app.test_client().get(thread_path(world["proposal"]) + "?sort=newest").status_code == 200


def test_each_posts_author_links_to_their_member_page(app, world):
    # Namesakes are allowed, so the member page is how readers tell two "Bo"s apart (T20).
    _client, first_bo = sign_in(app, "bo@example.org", "Bo")
    _client, second_bo = sign_in(app, "bo2@example.org", "Bo")
    contribute(app, world["proposal"], first_bo, "First Bo's argument")
    contribute(app, world["proposal"], second_bo, "Second Bo's argument", minutes=1)
    page = app.test_client().get(thread_path(world["proposal"])).get_data(as_text=True)
    for public_id in (first_bo, second_bo):
        assert f'<a href="/members/{public_id}"><bdi>Bo</bdi></a>' in page


@pytest.mark.parametrize("sort", ["random", "endorsed;drop", "<script>"])
def test_unknown_sort_is_a_400(app, world, sort):
    assert (
        app.test_client()
        .get(thread_path(world["proposal"]), query_string={"sort": sort})
        .status_code
        == 400
    )


def test_long_debates_paginate(app, world):
    for i in range(51):
        contribute(app, world["proposal"], world["ann"], f"Post number {i}", minutes=i)
    first = (
        app.test_client()
        .get(thread_path(world["proposal"]) + "?sort=newest")
        .get_data(as_text=True)
    )
    assert "Post number 50" in first and "Post number 0<" not in first and "Page 1 of 2" in first
    second = app.test_client().get(thread_path(world["proposal"]) + "?sort=newest&page=2")
    assert "Post number 0" in second.get_data(as_text=True)
    assert app.test_client().get(thread_path(world["proposal"]) + "?page=x").status_code == 404


def test_members_post_and_reply_through_the_forms(app, world):
    client = world["ann_client"]
    path = thread_path(world["proposal"])
    response = post_form(client, path, {"stance": "against", "body": "Too **costly**"})
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "<strong>costly</strong>" in page
    with app.app_context():
        post = db.session.scalar(select(Contribution))
    bo_client, _bo = sign_in(app, "bo@example.org", "Bo")
    reply_path = f"/debate/contributions/{post.public_id}/reply"
    assert (
        post_form(bo_client, reply_path, {"stance": "question", "body": "How costly?"}).status_code
        == 302
    )
    assert any("Bo replied" in subject for _to, subject, _b, _s in outbox(app))
    empty = post_form(client, path, {"stance": "for", "body": ""})
    assert empty.status_code == 422 and "Write something first" in empty.get_data(as_text=True)


def test_endorse_once_second_gets_a_clear_message(app, world):
    post = contribute(app, world["proposal"], world["ann"], "Endorse me")
    bo_client, _bo = sign_in(app, "bo@example.org", "Bo")
    path = f"/debate/contributions/{post}/endorse"
    token = csrf_from(bo_client.get(thread_path(world["proposal"])).get_data(as_text=True))
    bo_client.post(path, data={"csrf_token": token})
    again = bo_client.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert "already endorsed" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Contribution.endorsement_count)) == 1
        assert len(db.session.scalars(select(Endorsement)).all()) == 1


def test_edit_keeps_a_visible_history_and_only_the_author_may_edit(app, world):
    post = contribute(app, world["proposal"], world["ann"], "Original wording")
    path = f"/debate/contributions/{post}/edit"
    assert (
        post_form(
            world["ann_client"], path, {"stance": "for", "body": "Better wording"}
        ).status_code
        == 302
    )
    history = app.test_client().get(f"/debate/contributions/{post}/history").get_data(as_text=True)
    assert "Better wording" in history and "Original wording" in history
    bo_client, _bo = sign_in(app, "bo@example.org", "Bo")
    assert bo_client.get(path).status_code == 404


def hide_through_web(app, post, moderator_email="mod@example.org"):
    client, _mod = sign_in(app, moderator_email, "Mod", roles=(Role.MODERATOR,))
    response = post_form(
        client,
        f"/moderation/contributions/{post}/hide",
        {"rule": "R1", "reason": "Name-calling"},
        token_from=f"/moderation/contributions/{post}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_hidden_post_shows_a_notice_to_members_and_the_original_to_moderators_and_auditors(
    app, world
):
    bo_client, bo = sign_in(app, "bo@example.org", "Bo")
    post = contribute(app, world["proposal"], bo, "Secret insult text")
    mod_client = hide_through_web(app, post)
    auditor_client, _a = sign_in(app, "aud@example.org", "Aud", roles=(Role.AUDITOR,))
    path = thread_path(world["proposal"])
    for client in (app.test_client(), world["ann_client"]):
        page = client.get(path).get_data(as_text=True)
        assert "Hidden by a moderator: R1 Personal attacks — Name-calling" in page
        assert "Secret insult text" not in page
        history = client.get(f"/debate/contributions/{post}/history").get_data(as_text=True)
        assert "Secret insult text" not in history
    for client in (mod_client, auditor_client):
        assert "Secret insult text" in client.get(path).get_data(as_text=True)
        assert "Secret insult text" in client.get(f"/moderation/contributions/{post}").get_data(
            as_text=True
        )
    log = app.test_client().get("/moderation").get_data(as_text=True)
    assert "hidden" in log and "Name-calling" in log and "R1 Personal attacks" in log
    with app.app_context():
        assert db.session.scalar(select(Contribution.body_markdown)) == "Secret insult text"
    assert (
        auditor_client.post(
            f"/moderation/contributions/{post}/unhide",
            data={
                "csrf_token": csrf_from(
                    auditor_client.get("/moderation/queue").get_data(as_text=True)
                ),
                "r-reason": "x",
            },
        ).status_code
        == 403
    )


def test_author_appeals_once_and_another_moderator_decides(app, world):
    bo_client, bo = sign_in(app, "bo@example.org", "Bo")
    post = contribute(app, world["proposal"], bo, "Robust words")
    mod_client = hide_through_web(app, post)
    appeal_path = f"/debate/contributions/{post}/appeal"
    assert world["ann_client"].get(appeal_path).status_code == 404
    assert post_form(bo_client, appeal_path, {"statement": "It was fair"}).status_code == 302
    again = post_form(bo_client, appeal_path, {"statement": "Again"})
    assert again.status_code == 422 and "once" in again.get_data(as_text=True)
    with app.app_context():
        appeal = moderation.appeal_of(db.session, debate.get_contribution(db.session, post))
    decide = f"/moderation/appeals/{appeal.public_id}/decide"
    case = f"/moderation/contributions/{post}"
    same = post_form(mod_client, decide, {"decision": "uphold", "reason": "ok"}, token_from=case)
    assert same.status_code == 422 and "different moderator" in same.get_data(as_text=True)
    other, _m2 = sign_in(app, "mod2@example.org", "Mod Two", roles=(Role.MODERATOR,))
    assert (
        post_form(
            other, decide, {"decision": "uphold", "reason": "Fair"}, token_from=case
        ).status_code
        == 302
    )
    assert "Robust words" in app.test_client().get(thread_path(world["proposal"])).get_data(
        as_text=True
    )
    log = app.test_client().get("/moderation").get_data(as_text=True)
    assert "appeal upheld" in log


def test_flagged_contribution_reaches_the_queue(app, world):
    post = contribute(app, world["proposal"], world["ann"], "Buy cheap watches")
    bo_client, _bo = sign_in(app, "bo@example.org", "Bo")
    assert (
        post_form(
            bo_client, f"/debate/contributions/{post}/flag", {"reason": "R4 spam"}
        ).status_code
        == 302
    )
    mod_client, _m = sign_in(app, "mod@example.org", "Mod", roles=(Role.MODERATOR,))
    queue = mod_client.get("/moderation/queue").get_data(as_text=True)
    assert "Buy cheap watches" in queue and "R4 spam" in queue
    assert app.test_client().get("/moderation/queue").status_code == 302
    assert world["ann_client"].get("/moderation/queue").status_code == 403


def test_amendment_is_shown_as_a_diff_and_accepting_makes_a_new_version(app, world):
    bo_client, _bo = sign_in(app, "bo@example.org", "Bo")
    path = f"/proposals/{world['proposal']}/amendments"
    data = {
        "title": "Plant a tree on every street",
        "summary": "Trees make streets cooler.",
        "body": "We ask the council to plant a tree on every street.\nEvery month.",
        "reason": "Faster",
    }
    assert post_form(bo_client, path, data).status_code == 302
    page = app.test_client().get(path).get_data(as_text=True)
    assert "diff-remove" in page and "Every year." in page and "Every month." in page
    with app.app_context():
        from deliberate.models import Amendment

        amendment = db.session.scalar(select(Amendment))
    decide = f"/debate/amendments/{amendment.public_id}/decide"
    assert (
        post_form(
            bo_client, decide, {"decision": "accept", "reason": "x"}, token_from=path
        ).status_code
        == 404
    )
    done = post_form(
        world["ann_client"], decide, {"decision": "accept", "reason": "Agreed"}, token_from=path
    )
    assert done.status_code == 302
    page = app.test_client().get(path).get_data(as_text=True)
    assert "text version 2" in page and "made version 2" in page and "Agreed" in page


def test_committee_puts_a_counter_proposal(app, world):
    chair, _c = sign_in(app, "chair@example.org", "Chair", roles=(Role.COMMITTEE,))
    path = f"/proposals/{world['proposal']}/counter-proposal"
    assert (
        post_form(chair, path, {"title": "Half the streets", "body": "Plant on half."}).status_code
        == 302
    )
    page = (
        app.test_client().get(f"/proposals/{world['proposal']}/amendments").get_data(as_text=True)
    )
    assert "Half the streets" in page
    assert world["ann_client"].get(path).status_code == 403


def test_case_for_and_against_partial_renders_through_the_context_function(app, world):
    contribute(app, world["proposal"], world["ann"], "Shade in summer", stance=Stance.FOR)
    contribute(app, world["proposal"], world["ann"], "Leaves block drains", stance=Stance.AGAINST)
    with app.test_request_context("/"):
        from flask import render_template_string

        from deliberate.models import Proposal

        proposal = db.session.scalar(select(Proposal))
        out = render_template_string(
            "{% with case = case_for_against(proposal_id=proposal.id) %}"
            '{% include "debate/_case_for_against.html" %}{% endwith %}',
            proposal=proposal,
        )
    assert "Shade in summer" in out and "Leaves block drains" in out
    assert out.index("case-for") < out.index("case-against")


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_are_inert_in_every_debate_view_and_email(app, payload):
    author_client, author = sign_in(app, "x@example.org", f"Eve {payload}")
    proposal = make_proposal(app, author, title=f"Title {payload}")
    other_client, other = sign_in(app, "o@example.org", "Other")
    root = contribute(app, proposal, other, "Root")
    post = contribute(app, proposal, author, f"Body {payload}", stance=Stance.FOR, parent=root)
    post_form(
        author_client,
        f"/debate/contributions/{post}/edit",
        {"stance": "for", "body": f"Edited {payload}"},
    )
    post_form(other_client, f"/debate/contributions/{post}/flag", {"reason": f"Flag {payload}"})
    bo_client, _bo = sign_in(app, "bo@example.org", "Bo")
    amend = {
        "title": f"New {payload}",
        "summary": "s",
        "body": f"Body {payload}",
        "reason": f"Why {payload}",
    }
    post_form(bo_client, f"/proposals/{proposal}/amendments", amend)
    mod_client, _m = sign_in(app, "mod@example.org", "Mod", roles=(Role.MODERATOR,))
    views = [
        f"/proposals/{proposal}/discussion",
        f"/debate/contributions/{post}/history",
        f"/debate/contributions/{post}/reply",
        f"/moderation/contributions/{post}",
        "/moderation/queue",
        f"/proposals/{proposal}/amendments",
    ]
    for path in views:
        page = mod_client.get(path).get_data(as_text=True)
        assert "Edited" in page or "Body" in page or path.endswith("queue") or "New" in page, path
        assert_inert(page, payload, path)
    case = f"/moderation/contributions/{post}"
    hide = {"rule": "R4", "reason": f"Hidden {payload}"}
    post_form(mod_client, f"{case}/hide", hide, token_from=case)
    for client, path in [
        (app.test_client(), "/moderation"),
        (other_client, f"/proposals/{proposal}/discussion"),
    ]:
        page = client.get(path).get_data(as_text=True)
        assert "Hidden" in page
        assert_inert(page, payload, path)
    mails = outbox(app)
    assert mails, "replies and hiding send mail"
    for _to, subject, body, _status in mails:
        # Mail is text/plain only: markup in a name or title is inert text, never HTML.
        assert "<html" not in body.lower() and "Content-Type: text/html" not in body
        assert "\r" not in subject and "\n" not in subject
    from deliberate.mailer.transports import build_message

    message = build_message("a@b", "c@d", mails[0][1], mails[0][2])
    assert message.get_content_type() == "text/plain"


def test_a_debate_of_300_contributions_renders_in_a_fixed_number_of_queries(app, world):
    def count_queries(n_more: int) -> int:
        with app.app_context():
            subject = debate.proposal_subject(db.session, world["proposal"])
            authors = db.session.scalars(select(Member)).all()
            parents: list = []
            for i in range(n_more):
                parent = parents[i % len(parents)] if parents and i % 3 else None
                c = debate.post(
                    db.session, subject, author=authors[i % len(authors)], body=f"Point {i}",
                    stance=Stance.FOR if i % 2 else Stance.AGAINST, parent=parent, now=NOW,
                )  # fmt: skip
                parents.append(c)
                subject = debate.proposal_subject(db.session, world["proposal"])
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        world["ann_client"].get(thread_path(world["proposal"]))  # warm: connection set-up
        event.listen(engine, "before_cursor_execute", before)
        try:
            response = world["ann_client"].get(thread_path(world["proposal"]))
        finally:
            event.remove(engine, "before_cursor_execute", before)
        assert response.status_code == 200
        count_queries.last = statements
        return len(statements)

    for i in range(3):
        make_member(app, f"m{i}@example.org", name=f"M{i}")
    small = count_queries(10)
    large = count_queries(290)
    assert large == small, "\n".join(s[:90] for s in count_queries.last)


def test_posting_too_fast_gets_a_429_with_a_clear_message(app, world):
    app.config["RATELIMIT_POST"] = "2 per minute"
    path = thread_path(world["proposal"])
    client = world["ann_client"]
    token = csrf_from(client.get(path).get_data(as_text=True))
    statuses = [
        client.post(path, data={"csrf_token": token, "stance": "none", "body": f"p{i}"}).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
    page = client.post(path, data={"csrf_token": token, "stance": "none", "body": "p"})
    assert "posting faster than the debate allows" in page.get_data(as_text=True)
