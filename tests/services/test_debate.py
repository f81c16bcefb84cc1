"""The debate services: threads, endorsements, edits, moderation, appeals, amendments."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from deliberate.core.debate import line_diff, mentioned_handles, place
from deliberate.core.errors import (
    ConflictError,
    NotEligibleError,
    NotFoundError,
    PhaseError,
)
from deliberate.extensions import db
from deliberate.models import (
    Amendment,
    AmendmentState,
    Appeal,
    AuditEntry,
    Contribution,
    Endorsement,
    Member,
    ModerationAction,
    Notification,
    Proposal,
    ProposalState,
    ProposalTextVersion,
    Role,
    Stance,
)
from deliberate.services import (
    amendments,
    debate,
    debate_case,
    debate_threads,
    moderation,
    notifications,
)
from tests.conftest import make_member, outbox
from tests.debate_builders import NOW, contribute, make_proposal


def _member(public_id: str) -> Member:
    return db.session.scalar(select(Member).where(Member.public_id == public_id))


@pytest.fixture
def people(app):
    return {
        "ann": make_member(app, "ann@example.org", name="Ann"),
        "bo": make_member(app, "bo@example.org", name="Bo"),
        "cy": make_member(app, "cy@example.org", name="Cy"),
        "mod1": make_member(app, "mod1@example.org", name="Mod One", roles=(Role.MODERATOR,)),
        "mod2": make_member(app, "mod2@example.org", name="Mod Two", roles=(Role.MODERATOR,)),
    }


@pytest.fixture
def proposal(app, people):
    return make_proposal(app, people["ann"])


def test_place_flattens_replies_deeper_than_the_display_limit():
    chain = [(1, None), (2, 1), (3, 2), (4, 3), (5, 4), (6, 5)]
    placed = place(chain, max_depth=3)
    assert [placed[i].display_depth for i in range(1, 7)] == [0, 1, 2, 3, 3, 3]
    assert placed[5].display_parent_id == 3 and placed[6].display_parent_id == 3


def test_mentions_are_at_handles_of_twelve_characters():
    assert mentioned_handles("hi @abcdefghijkl and @abcdefghijkl, mail x@abcdefghijkl") == [
        "abcdefghijkl"
    ]
    assert mentioned_handles("@short and @waytoolongforahandle") == []


def test_line_diff_marks_added_and_removed_lines():
    ops = [(d.op, d.text) for d in line_diff("a\nb\nc", "a\nB\nc")]
    assert ops == [("same", "a"), ("remove", "b"), ("add", "B"), ("same", "c")]


def test_replies_thread_under_their_root_and_pages_hold_fifty_threads(app, people, proposal):
    first = contribute(app, proposal, people["bo"], "Root", minutes=0)
    reply = contribute(app, proposal, people["cy"], "Reply", parent=first, minutes=1)
    contribute(app, proposal, people["bo"], "Deeper", parent=reply, minutes=2)
    for i in range(55):
        contribute(app, proposal, people["cy"], f"Top {i}", minutes=10 + i)
    with app.app_context():
        subject = debate.proposal_subject(db.session, proposal)
        page1 = debate_threads.thread(db.session, subject.discussion, sort="newest", page=1)
        page2 = debate_threads.thread(db.session, subject.discussion, sort="newest", page=2)
        assert page1.total == 56 and page1.pages == 2 and len(page1.nodes) == 50
        root = page2.nodes[-1]
        assert root.item.body_markdown == "Root"
        assert root.replies[0].item.body_markdown == "Reply"
        assert root.replies[0].replies[0].item.body_markdown == "Deeper"
        with pytest.raises(NotFoundError):
            debate_threads.thread(db.session, subject.discussion, sort="newest", page=3)


def test_endorse_once_second_is_refused_and_count_stays_one(app, people, proposal):
    post = contribute(app, proposal, people["bo"])
    with app.app_context():
        contribution = debate.get_contribution(db.session, post)
        debate.endorse(db.session, contribution, member=_member(people["cy"]), now=NOW)
        with pytest.raises(ConflictError, match="already endorsed"):
            debate.endorse(db.session, contribution, member=_member(people["cy"]), now=NOW)
        db.session.expire_all()
        assert debate.get_contribution(db.session, post).endorsement_count == 1
        assert db.session.scalar(select(func.count()).select_from(Endorsement)) == 1


def test_the_database_refuses_a_second_endorsement_even_past_the_service(app, people, proposal):
    post = contribute(app, proposal, people["bo"])
    with app.app_context():
        contribution_id = debate.get_contribution(db.session, post).id
        member = _member(people["cy"]).id
        db.session.add(
            Endorsement(contribution_id=contribution_id, member_id=member, created_at=NOW)
        )
        db.session.commit()
        db.session.add(
            Endorsement(contribution_id=contribution_id, member_id=member, created_at=NOW)
        )
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_edit_keeps_every_earlier_text(app, people, proposal):
    post = contribute(app, proposal, people["bo"], "First text")
    with app.app_context():
        c = debate.get_contribution(db.session, post)
        bo = _member(people["bo"])
        debate.edit(db.session, c, editor=bo, body="Second", stance=Stance.FOR, now=NOW)
        debate.edit(db.session, c, editor=bo, body="Third", stance=Stance.FOR, now=NOW)
        history = debate_threads.revisions(db.session, c)
        assert [r.body_markdown for r in history] == ["Second", "First text"]
        assert c.body_markdown == "Third" and c.edited_at == NOW
        with pytest.raises(NotFoundError):
            debate.edit(
                db.session, c, editor=_member(people["cy"]), body="x", stance=Stance.FOR, now=NOW
            )


def test_posting_is_closed_after_the_vote(app, people):
    closed = make_proposal(app, people["ann"], state=ProposalState.PASSED)
    with pytest.raises(PhaseError):
        contribute(app, closed, people["bo"])


def test_drafts_have_no_public_discussion(app, people):
    draft = make_proposal(app, people["ann"], state=ProposalState.DRAFT)
    with app.app_context(), pytest.raises(NotFoundError):
        debate.proposal_subject(db.session, draft)


def test_case_for_and_against_picks_the_most_endorsed_visible_per_stance(app, people, proposal):
    posts = {
        name: contribute(app, proposal, people["ann"], name, stance=stance)
        for name, stance in [
            ("for-weak", Stance.FOR),
            ("for-strong", Stance.FOR),
            ("against-only", Stance.AGAINST),
            ("for-hidden", Stance.FOR),
            ("question", Stance.QUESTION),
        ]
    }
    with app.app_context():
        for name, voters in [("for-strong", ["bo", "cy"]), ("for-hidden", ["bo", "cy", "mod1"])]:
            for voter in voters:
                c = debate.get_contribution(db.session, posts[name])
                debate.endorse(db.session, c, member=_member(people[voter]), now=NOW)
        hidden = debate.get_contribution(db.session, posts["for-hidden"])
        moderation.hide(
            db.session, hidden, moderator=_member(people["mod1"]), rule="R4", reason="Spam",
            title="t", notice=debate.debate_mail.NO_NOTICE, now=NOW,
        )  # fmt: skip
        subject = debate.proposal_subject(db.session, proposal)
        case = debate_case.case_for_and_against(db.session, subject.discussion.id, n=3)
        assert [c.body_markdown for c in case.for_items] == ["for-strong", "for-weak"]
        assert [c.body_markdown for c in case.against_items] == ["against-only"]


def _hide(app, people, post, moderator="mod1"):
    with app.app_context():
        c = debate.get_contribution(db.session, post)
        moderation.hide(
            db.session, c, moderator=_member(people[moderator]), rule="R1",
            reason="Insulted another member", title="Trees",
            notice=debate.debate_mail.Notice("Org", "http://localhost/appeal"), now=NOW,
        )  # fmt: skip


def test_hide_is_logged_publicly_audited_and_told_to_the_author(app, people, proposal):
    post = contribute(app, proposal, people["bo"], "You are an idiot")
    _hide(app, people, post)
    with app.app_context():
        c = debate.get_contribution(db.session, post)
        assert c.is_hidden and c.hidden_rule == "R1" and c.body_markdown == "You are an idiot"
        actions = db.session.scalars(select(ModerationAction)).all()
        assert [(a.kind.value, a.rule, a.reason) for a in actions] == [
            ("hide", "R1", "Insulted another member")
        ]
        assert list(db.session.scalars(select(AuditEntry.action))) == ["debate.hide"]
    to, subject, body, _status = outbox(app)[-1]
    assert to == "bo@example.org" and "hid" in subject
    assert "R1 Personal attacks" in body and "appeal" in body


def test_appeal_once_and_only_a_different_moderator_decides(app, people, proposal):
    post = contribute(app, proposal, people["bo"], "Harsh words")
    _hide(app, people, post, moderator="mod1")
    with app.app_context():
        c = debate.get_contribution(db.session, post)
        with pytest.raises(NotFoundError):
            moderation.appeal(db.session, c, author=_member(people["cy"]), statement="x", now=NOW)
        entry = moderation.appeal(
            db.session, c, author=_member(people["bo"]), statement="Fair criticism", now=NOW
        )
        with pytest.raises(ConflictError, match="once"):
            moderation.appeal(
                db.session, c, author=_member(people["bo"]), statement="again", now=NOW
            )
        entry = moderation.get_appeal(db.session, entry.public_id)
        args = dict(upheld=True, reason="Robust, not abusive", title="t", now=NOW)
        args["notice"] = debate.debate_mail.NO_NOTICE
        with pytest.raises(NotEligibleError, match="different moderator"):
            moderation.decide_appeal(db.session, entry, moderator=_member(people["mod1"]), **args)
        moderation.decide_appeal(db.session, entry, moderator=_member(people["mod2"]), **args)
        c = debate.get_contribution(db.session, post)
        assert not c.is_hidden
        kinds = [
            a.kind.value
            for a in db.session.scalars(select(ModerationAction).order_by(ModerationAction.id))
        ]
        assert kinds == ["hide", "appeal_upheld"]
        audit = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
        assert audit == ["debate.hide", "debate.appealed", "debate.appeal_upheld"]


def test_the_database_refuses_an_appeal_decided_by_the_hiding_moderator(app, people, proposal):
    post = contribute(app, proposal, people["bo"])
    _hide(app, people, post, moderator="mod1")
    with app.app_context():
        c = debate.get_contribution(db.session, post)
        entry = moderation.appeal(
            db.session, c, author=_member(people["bo"]), statement="s", now=NOW
        )
        entry = db.session.get(Appeal, entry.id)
        entry.decided_by_id = _member(people["mod1"]).id
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_accepted_amendment_makes_a_new_text_version_declined_keeps_it(app, people, proposal):
    with app.app_context():
        p = db.session.scalar(select(Proposal).where(Proposal.public_id == proposal))
        bo, ann = _member(people["bo"]), _member(people["ann"])
        text = dict(title=p.title, summary=p.summary, reason="Clearer", now=NOW)
        one = amendments.propose(db.session, p, author=bo, body="Plant two trees.", **text)
        two = amendments.propose(db.session, p, author=bo, body="Plant no trees.", **text)
        amendments.decide(
            db.session, two, decider=ann, accept=False, reason="Against the aim", now=NOW
        )
        assert p.text_version == 1
        with pytest.raises(NotFoundError):
            amendments.decide(db.session, one, decider=bo, accept=True, reason="mine", now=NOW)
        amendments.decide(db.session, one, decider=ann, accept=True, reason="Better", now=NOW)
        p = db.session.get(Proposal, p.id)
        assert p.text_version == 2 and p.body == "Plant two trees."
        assert db.session.get(Amendment, one.id).resulting_version == 2
        assert db.session.get(Amendment, two.id).state is AmendmentState.DECLINED
        versions = db.session.scalars(select(ProposalTextVersion.number)).all()
        assert versions == [2]
        assert one.base_body.startswith("We ask the council")


def test_amendments_only_during_deliberation(app, people):
    collecting = make_proposal(app, people["ann"], state=ProposalState.COLLECTING)
    with app.app_context():
        p = db.session.scalar(select(Proposal).where(Proposal.public_id == collecting))
        with pytest.raises(PhaseError):
            amendments.propose(
                db.session, p, author=_member(people["bo"]), title="T", summary="", body="B",
                reason="r", now=NOW,
            )  # fmt: skip


def test_counter_proposal_is_one_per_proposal_and_audited(app, people, proposal):
    chair = make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    with app.app_context():
        p = db.session.scalar(select(Proposal).where(Proposal.public_id == proposal))
        author = _member(chair)
        amendments.put_counter_proposal(
            db.session, p, author=author, title="Half", body="B", now=NOW
        )
        later = NOW + timedelta(hours=1)
        counter = amendments.put_counter_proposal(
            db.session, p, author=author, title="Half the trees", body="B2", now=later
        )
        assert amendments.counter_proposal_of(db.session, p).title == "Half the trees"
        assert counter.updated_at == later
        assert list(db.session.scalars(select(AuditEntry.action))) == ["counter_proposal.put"] * 2


def test_replies_and_mentions_notify_each_person_once(app, people, proposal):
    root = contribute(app, proposal, people["bo"], "Root")
    contribute(
        app, proposal, people["cy"], f"Agree with @{people['bo']} and @{people['ann']}", parent=root
    )
    recipients = [to for to, _s, _b, _st in outbox(app)]
    assert sorted(recipients) == ["ann@example.org", "bo@example.org"]


def notices(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Member.email, Notification.kind, Notification.text)
            .join(Member, Member.id == Notification.member_id)
            .order_by(Notification.id)
        )
        return [tuple(row) for row in rows]


def choose(app, public_id: str, kind: str, *, in_app: bool, by_email: bool) -> None:
    with app.app_context():
        member_id = db.session.scalar(select(Member.id).where(Member.public_id == public_id))
        chosen = {
            key: both for key, both in notifications.preferences(db.session, member_id).items()
        }
        chosen[kind] = (in_app, by_email)
        notifications.save_preferences(db.session, member_id=member_id, choices=chosen)


def test_replies_and_mentions_are_noticed_in_the_app_too_and_the_mail_says_how_to_stop(
    app, people, proposal
):
    root = contribute(app, proposal, people["bo"], "Root")
    contribute(app, proposal, people["cy"], f"Yes, @{people['ann']}", parent=root)
    assert notices(app) == [
        ("bo@example.org", "debate_reply", "Cy replied to you in a debate at Deliberate"),
        ("ann@example.org", "debate_mention", "Cy mentioned you in a debate at Deliberate"),
    ]
    bodies = [body for _to, _subject, body, _status in outbox(app)]
    assert len(bodies) == 2
    assert all("You can choose which notices you receive in Settings." in b for b in bodies)


def test_replies_and_mentions_follow_each_members_choice(app, people, proposal):
    choose(app, people["bo"], "debate_reply", in_app=True, by_email=False)
    choose(app, people["ann"], "debate_mention", in_app=False, by_email=False)
    root = contribute(app, proposal, people["bo"], "Root")
    contribute(app, proposal, people["cy"], f"Yes, @{people['ann']}", parent=root)
    assert [(to, kind) for to, kind, _text in notices(app)] == [("bo@example.org", "debate_reply")]
    assert outbox(app) == []  # Bo wanted no mail for replies, Ann nothing for mentions
    # Ann's choice was about mentions: a reply to her is still told.
    answer = contribute(app, proposal, people["ann"], "Thanks", parent=root, minutes=1)
    contribute(app, proposal, people["cy"], "Welcome", parent=answer, minutes=2)
    assert [to for to, _s, _b, _st in outbox(app)] == ["ann@example.org"]


def test_a_contribution_stores_sanitised_html(app, people, proposal):
    post = contribute(app, proposal, people["bo"], "[x](javascript:alert(1)) <b>hi</b>")
    with app.app_context():
        html = db.session.scalar(
            select(Contribution.body_html).where(Contribution.public_id == post)
        )
    assert 'href="javascript' not in html and "<b>" not in html and "&lt;b&gt;" in html


def test_seed_debates_adds_a_lively_debate_with_a_moderation_story(app, people, proposal):
    from deliberate.services.demo_debates import seed_debates

    for i in range(6):
        make_member(app, f"demo{i}@example.org", name=f"Demo {i}")
    make_proposal(app, people["ann"], title="Second", state=ProposalState.COLLECTING)
    with app.app_context():
        added = seed_debates(db.session, now=NOW, per_proposal=150)
        db.session.commit()
        assert added >= 300
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == added + 1
        kinds = [
            a.kind.value
            for a in db.session.scalars(select(ModerationAction).order_by(ModerationAction.id))
        ]
        assert kinds == ["hide", "appeal_rejected"]
        assert db.session.scalar(select(func.count()).select_from(Endorsement)) > 100
        assert seed_debates(db.session, now=NOW) == 0  # a second run adds nothing
