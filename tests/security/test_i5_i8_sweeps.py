"""I5: every head published earlier is still in the chain. I8: every committee change is logged.

I5. The audit log is where the app records each head as it publishes it: the definition
digest at the opening (checkpoint 0), each checkpoint's digest when it is sealed, the
head at the close. The invariant checker compares each with the chain as it stands. A
history rewritten and resealed consistently passes the chain's own check; the heads
published before the rewrite are what catch it.

I8. A sweep over the URL map: every POST route of a committee policy is driven with
valid input and must append at least one audit entry, and a refused one none. A new
committee route fails the sweep until it is driven here or listed as exempt.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from deliberate.core.ballot_chain import Checkpoint
from deliberate.core.rules import Admission
from deliberate.extensions import db
from deliberate.models import AuditEntry, Ballot, BallotCheckpoint, Member, Referendum, Role, utcnow
from deliberate.services import (
    checkpoints,
    counting,
    invariants,
    membership,
    referendums,
    rulebook,
    signing,
)
from deliberate.services.signature_bursts import BurstLimits
from tests.conftest import AuthActions, csrf_from, make_member
from tests.debate_builders import debate_fixture
from tests.proposal_builders import add_members, proposal, ruleset
from tests.security.test_auditor_read_only import table_fingerprint
from tests.voting import T0, cast, make_vote, make_voters
from tests.web.test_rulebook import form_fields

HEADS = "I5 published heads are still in the chain"


def sealed_in_two_checkpoints(app) -> str:
    """A closed vote: 2 ballots in checkpoint 1, 2 more in checkpoint 2 (sealed at the close)."""
    voters = make_voters(app, 4)
    vote = make_vote(app)
    for member_id in voters[:2]:
        cast(app, vote, member_id, "yes")
    with app.app_context():
        assert checkpoints.seal_due(db.session, T0 + timedelta(hours=2), min_ballots=1) == 1
    for member_id in voters[2:]:
        cast(app, vote, member_id, "no", now=T0 + timedelta(hours=3))
    with app.app_context():
        closes = referendums.get(db.session, vote).closes_at
        db.session.commit()
        counting.close_and_count(db.session, vote, closes)
    return vote


def reseal_with_one_ballot_flipped(app, vote: str) -> None:
    """What an insider with write access does: change a sealed ballot, reseal every link."""
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        ballot = db.session.scalars(
            select(Ballot).where(Ballot.referendum_id == referendum.id, Ballot.checkpoint_seq == 1)
        ).first()
        ballot.choice = "no" if ballot.choice == "yes" else "yes"
        db.session.flush()
        prev = referendum.definition_digest
        for row in checkpoints.checkpoints(db.session, referendum):
            lines = db.session.execute(
                select(Ballot.tracker, Ballot.choice).where(
                    Ballot.referendum_id == referendum.id, Ballot.checkpoint_seq == row.seq
                )
            ).all()
            sealed = Checkpoint.seal(vote, row.seq, prev, [tuple(line) for line in lines])
            db.session.execute(
                update(BallotCheckpoint)
                .where(
                    BallotCheckpoint.referendum_id == referendum.id,
                    BallotCheckpoint.seq == row.seq,
                )
                .values(
                    prev_digest=sealed.prev_digest,
                    n=sealed.n,
                    ballots_digest=sealed.ballots_digest,
                    digest=sealed.digest,
                )
            )
            prev = sealed.digest
        db.session.commit()


def checks(app) -> dict[str, list[str]]:
    with app.app_context():
        return dict(invariants.check_all(db.session).checks)


def test_every_head_published_so_far_is_still_in_the_chain(app):
    vote = sealed_in_two_checkpoints(app)
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        assert len(checkpoints.checkpoints(db.session, referendum)) == 2
        published = invariants._published_heads(db.session)[vote]
    # The opening, the two checkpoints and the close each recorded the head they published.
    assert [seq for _entry, _digest, seq in published] == [0, 1, 2, None]
    assert checks(app)[HEADS] == []


def test_a_history_rewritten_and_resealed_is_caught_by_the_heads_published_before(app):
    vote = sealed_in_two_checkpoints(app)
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        before = {c.seq: c.digest for c in checkpoints.checkpoints(db.session, referendum)}
    reseal_with_one_ballot_flipped(app, vote)
    report = checks(app)
    assert report["I5 checkpoint chains verify"] == []  # the chain alone cannot tell
    problems = report[HEADS]
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"vote {vote}: checkpoint 1 was published as {before[1][:16]}…")
    assert problems[1].startswith(f"vote {vote}: checkpoint 2 was published as {before[2][:16]}…")
    assert problems[2].startswith(f"vote {vote}: the head published at the close")
    result = app.test_cli_runner().invoke(args=["audit", "check-invariants"])
    assert result.exit_code != 0 and f"FAILED {HEADS}" in result.output, result.output


def test_a_vote_deleted_after_publishing_heads_is_reported(app):
    vote = sealed_in_two_checkpoints(app)
    with app.app_context():
        rid = db.session.scalar(select(Referendum.id).where(Referendum.public_id == vote))
        # The vote the log names is no longer there (as after a delete); its heads stay.
        db.session.execute(update(Referendum).where(Referendum.id == rid).values(public_id="gone"))
        db.session.commit()
    assert checks(app)[HEADS] == [
        f"vote {vote}: its heads are in the audit log but the vote is gone"
    ]


@pytest.mark.parametrize("state", ["draft", "open"])
def test_votes_not_yet_closed_have_nothing_to_disagree_with(app, state):
    make_voters(app, 1)
    opens = T0 if state == "open" else T0 + timedelta(days=1)
    make_vote(app, opens_at=opens, now=T0)
    assert checks(app)[HEADS] == []


# --- I8 --------------------------------------------------------------------------------

# Policies of the committee's (and the moderators') routes.
PRIVILEGED = {
    "can_decide_gate",
    "can_edit_rulebook",
    "can_manage_members",
    "can_put_counter_proposal",
    "can_review_signatures",
    "can_run_votes",
    "can_moderate",
}
# Privileged POST routes that change nothing, with the reason; the sweep checks that.
EXEMPT = {
    "admin.roll": "previews an uploaded roll; importing it is admin.roll_apply",
}
BOT_IP = "203.0.113.9"


def _local(moment) -> str:
    """A form's local time (ORG_TIMEZONE is Europe/London): 10:00 or 18:00, never near DST."""
    return f"{moment:%Y-%m-%d}T{'10:00' if moment.hour < 14 else '18:00'}"


def build_world(app) -> dict:
    """Everything the committee's routes act on, built through the services."""
    now = utcnow()
    world = {
        "chair": make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,)),
        "mod": make_member(app, "mod@example.org", name="Mod", roles=(Role.MODERATOR,)),
        "target": make_member(app, "target@example.org", name="Target"),
        **debate_fixture(app),
    }
    gate = ruleset(threshold=50, admission=Admission(is_required=True))
    with app.app_context():
        world["admit"] = proposal(db.session, gate, title="To admit").public_id
        world["reject"] = proposal(db.session, gate, title="To reject").public_id
        collecting = proposal(db.session, ruleset(threshold=50), title="Signed by bots")
        for member_id in add_members(db.session, 4, prefix="bot"):  # 3 counted, the 4th held
            signing.sign(
                db.session,
                proposal_id=collecting.id,
                member_id=member_id,
                show_name=False,
                ip=BOT_IP,
                now=now,
                limits=BurstLimits(per_ip=3),
            )
        world["held"] = signing.signature_of(db.session, collecting.id, member_id).id
    world["draft"] = make_vote(app, opens_at=now + timedelta(days=2), now=now)
    world["opened"] = make_vote(app, opens_at=now + timedelta(days=3), now=now)
    start = now - timedelta(hours=1)
    world["open"] = make_vote(app, opens_at=start, closes_at=start + timedelta(days=1), now=now)
    return world


def steps(app, world: dict) -> list[tuple]:
    """(endpoint, who, URL values, valid input, refused input or None, expected actions)."""

    def base_version():
        with app.app_context():
            return {"base_version": str(rulebook.current_version(db.session).number)}

    def last_invalidation():
        with app.app_context():
            return db.session.scalar(
                select(AuditEntry.seq).where(AuditEntry.action == "signatures.invalidated")
            )

    later = datetime.now(UTC) + timedelta(days=30)
    tiers = [{"count": "40", "consequence": "debate"}]
    invalidation = {"field": "ip", "value": BOT_IP, "action": "apply", "expected": "4"}
    roll = "name,email,local_group,join_date\nNew Person,new@example.org,Leeds,2020-01-15\n"
    vote = {"kind": "poll", "method": "single", "question": "Where to meet?",
            "options": "Leeds\nYork", "opens_at": _local(later),
            "closes_at": _local(later + timedelta(days=7, hours=8)), "statuses": "active",
            "min_membership_days": "0", "majority": "1/2", "seats": "1"}  # fmt: skip
    return [
        ("proposals.admit", "chair", {"ref": world["admit"]}, {}, None, {"proposal.admitted"}),
        ("proposals.reject", "chair", {"ref": world["reject"]}, {"reason": "Off topic"},
         {"reason": ""}, {"proposal.rejected"}),
        ("rulebook.edit", "chair", {"kind": "campaign"},
         lambda: form_fields("Campaign", tiers) | base_version(), lambda: base_version(),
         {"rulebook.version_saved"}),
        ("rulebook.new_kind", "chair", {},
         lambda: {"slug": "budget-motion", "name": "Budget motion", "reason": "Asked for",
                  "start_from": "preset:madrid-consul"} | base_version(),
         lambda: {"slug": "Not a slug!"} | base_version(), {"rulebook.version_saved"}),
        ("admin.change_role", "chair", {"public_id": world["target"]},
         {"role": "moderator", "action": "grant"}, None, {"role.granted"}),
        ("admin.change_status", "chair", {"public_id": world["target"]},
         {"status": "suspended", "effective_on": "2026-01-01", "reason": "Unpaid",
          "seen_status": "active"}, {"status": "suspended"}, {"member.status_changed"}),
        ("admin.roll_apply", "chair", {}, {"roll_text": roll}, {}, {"roll.imported"}),
        ("signatures.decide_held", "chair", {},
         {"signature": str(world["held"]), "decision": "release", "reason": "Checked"},
         {"decision": "release"}, {"signatures.released"}),
        ("signatures.review", "chair", {}, invalidation | {"reason": "Bot farm"}, invalidation,
         {"signatures.invalidated"}),
        ("signatures.restore", "chair", {},
         lambda: {"restore-invalidation": str(last_invalidation()), "restore-reason": "Mistake"},
         lambda: {"restore-invalidation": str(last_invalidation())}, {"signatures.restored"}),
        ("debate.counter_proposal", "chair", {"proposal_id": world["proposal_id"]},
         {"title": "Our alternative", "body": "Plant on half the streets."}, {"title": "x"},
         {"counter_proposal.put"}),
        ("referendums.new", "chair", {}, vote, vote | {"question": ""}, {"referendum.created"}),
        ("referendums.edit", "chair", {"public_id": world["draft"]},
         {"question": "Where shall we meet?", "version": "1"}, {"question": ""},
         {"referendum.draft_edited"}),
        ("referendums.open_now", "chair", {"public_id": world["opened"]}, {}, None,
         {"referendum.opened"}),
        ("referendums.extend", "chair", {"public_id": world["open"]},
         {"closes_at": _local(later), "reason": "Postal strike"}, {"closes_at": _local(later)},
         {"referendum.extended"}),
        ("debate.hide", "mod", {"contribution_id": world["contribution_id"]},
         {"rule": "R3", "reason": "Off topic"}, {"rule": "R3"}, {"debate.hide"}),
        ("debate.unhide", "mod", {"contribution_id": world["contribution_id"]},
         {"r-reason": "My mistake"}, {"r-reason": ""}, {"debate.unhide"}),
        ("debate.dismiss", "mod", {"contribution_id": world["contribution_id"]},
         {"r-reason": "Within the rules"}, {"r-reason": ""}, {"debate.dismiss_flags"}),
        ("debate.decide_appeal", "mod", {"appeal_id": world["appeal_id"]},
         {"decision": "uphold", "reason": "Fair point"}, {"decision": "uphold"},
         {"debate.appeal_upheld"}),
    ]  # fmt: skip


def new_entries(app, after: int) -> list[tuple[str, int | None]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.seq > after))
        return [(e.action, e.actor_id) for e in entries]


def head(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(AuditEntry.seq))) or 0


def test_every_committee_change_appends_an_audit_entry_and_a_refusal_none(app):
    world = build_world(app)
    clients, actors = {}, {}
    for who in ("chair", "mod"):
        clients[who] = app.test_client()
        AuthActions(clients[who]).login(f"{who}@example.org")
        with app.app_context():
            actors[who] = db.session.scalar(select(Member.id).where(Member.public_id == world[who]))
    token = {who: csrf_from(c.get("/account").get_data(as_text=True)) for who, c in clients.items()}
    adapter = app.url_map.bind("localhost")
    driven = []
    for endpoint, who, values, good, bad, actions in steps(app, world):
        url = adapter.build(endpoint, values)
        csrf = {f"{prefix}csrf_token": token[who] for prefix in ("", "r-", "restore-")}
        if bad is not None:
            before = head(app)
            response = clients[who].post(url, data=csrf | (bad() if callable(bad) else bad))
            assert response.status_code >= 400, (endpoint, "refusal", response.status_code)
            assert new_entries(app, before) == [], f"{endpoint}: a refusal was logged"
        before = head(app)
        response = clients[who].post(url, data=csrf | (good() if callable(good) else good))
        assert response.status_code in (200, 201, 302, 303), (endpoint, response.status_code)
        entries = new_entries(app, before)
        assert entries, f"POST {endpoint} changed state without an audit entry"
        assert actions <= {action for action, _ in entries}, (endpoint, entries)
        assert all(actor == actors[who] for action, actor in entries if action in actions)
        driven.append(endpoint)
    for endpoint in EXEMPT:  # exempt because they write nothing: shown, not assumed
        before = table_fingerprint(app)
        clients["chair"].post(adapter.build(endpoint, {}), data={"csrf_token": token["chair"],
                              "roll_text": "name,email\nX,x@example.org\n"})  # fmt: skip
        assert table_fingerprint(app) == before, endpoint
    preview = {"csrf_token": token["chair"], "field": "ip", "value": BOT_IP, "action": "preview"}
    before = table_fingerprint(app)
    assert clients["chair"].post("/admin/signatures", data=preview).status_code == 200
    assert table_fingerprint(app) == before  # signatures.review's preview writes nothing

    privileged = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and getattr(app.view_functions[rule.endpoint], "policy", None) in PRIVILEGED
    }
    assert privileged == set(driven) | set(EXEMPT), (
        f"not driven by this sweep: {sorted(privileged - set(driven) - set(EXEMPT))}"
    )


def test_the_sweep_names_a_route_that_changes_state_without_an_entry(app, monkeypatch):
    # Membership's changes stop writing to the log; everything else still does.
    monkeypatch.setattr(membership, "audit_log", SimpleNamespace(record=lambda *a, **k: None))
    with pytest.raises(AssertionError, match="POST admin.change_role changed state without"):
        test_every_committee_change_appends_an_audit_entry_and_a_refusal_none(app)
