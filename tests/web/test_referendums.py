"""Voting pages: ballots per method, validation, receipts, results after the close only."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import AuditEntry, Ballot, Participation, Role, VoteMethod, utcnow
from deliberate.services import counting, referendums
from tests.conftest import csrf_from, make_member
from tests.voting import QUORUM_30, make_vote

RECEIPT_RE = re.compile(r'<code id="receipt">([^<]+)</code>')
CANDIDATES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra")


def open_vote(app, **kwargs) -> str:
    """A vote that opened an hour ago and closes in a day, by the real clock."""
    start = utcnow() - timedelta(hours=1)
    return make_vote(
        app, opens_at=start, closes_at=start + timedelta(days=1), now=utcnow(), **kwargs
    )


def close(app, vote: str) -> None:
    with app.app_context():
        r = referendums.get(db.session, vote)
        closes = r.closes_at
        db.session.commit()
        counting.close_and_count(db.session, vote, closes)


def ballot_post(auth, vote: str, data: dict):
    return auth.post(f"/referendums/{vote}/vote", data, token_from=f"/referendums/{vote}")


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Participation)),
            db.session.scalar(select(func.count()).select_from(Ballot)),
        )


@pytest.fixture
def ann(app, auth):
    make_member(app)
    auth.login()
    return auth


def test_member_votes_gets_a_receipt_once_and_a_second_submit_says_already_voted(app, ann):
    vote = open_vote(app)
    page = ann.client.get(f"/referendums/{vote}").get_data(as_text=True)
    assert 'name="choice"' in page and "Electorate hash" in page
    response = ballot_post(ann, vote, {"choice": "yes"})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    receipt = RECEIPT_RE.search(response.get_data(as_text=True)).group(1)
    assert receipt not in response.headers.get("Location", "")
    again = ann.post(f"/referendums/{vote}/vote", {"choice": "no"}, token_from="/login")
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert "already voted" in text and RECEIPT_RE.search(text) is None
    assert counts(app) == (1, 1)
    assert "You have voted" in ann.client.get(f"/referendums/{vote}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({}, "Rank at least one candidate"),
        ({"ada-lovelace": "1", "grace-hopper": "1"}, "You gave rank 1 to more than one"),
        ({"ada-lovelace": "1", "grace-hopper": "3"}, "Rank 2 is missing"),
        ({"ada-lovelace": "9"}, "Choose a rank from the list"),
    ],
)
def test_ranked_ballot_mistakes_are_explained_and_nothing_is_recorded(app, ann, ranks, message):
    vote = open_vote(app, method=VoteMethod.STV, options=CANDIDATES, seats=2)
    data = {f"rank-{slug}": rank for slug, rank in ranks.items()}
    response = ballot_post(ann, vote, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Your vote was not recorded" in page
    assert counts(app) == (0, 0)


@pytest.mark.parametrize(
    ("method", "data", "stored"),
    [
        (VoteMethod.SINGLE, {"choice": "grace-hopper"}, "option:grace-hopper"),
        (
            VoteMethod.APPROVAL,
            {"approve": ["grace-hopper", "ada-lovelace"]},
            "approve:ada-lovelace,grace-hopper",
        ),
        (
            VoteMethod.IRV,
            {"rank-alan-turing": "1", "rank-ada-lovelace": "2"},
            "rank:alan-turing>ada-lovelace",
        ),
        (
            VoteMethod.SCHULZE,
            {f"rank-{s}": str(i) for i, s in enumerate(["edsger-dijkstra", "ada-lovelace"], 1)},
            "rank:edsger-dijkstra>ada-lovelace",
        ),
        (
            VoteMethod.DOUBLE_YES,
            {"initiative": "yes", "counter": "yes", "preference": "counter"},
            "double:yes,yes,counter",
        ),
    ],
)
def test_each_ballot_form_records_its_canonical_choice(app, ann, method, data, stored):
    options = CANDIDATES if method.has_options else ()
    counter = "A milder version" if method is VoteMethod.DOUBLE_YES else None
    vote = open_vote(app, method=method, options=options, counter_text=counter)
    assert ballot_post(ann, vote, data).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(Ballot.choice)) == stored


def test_a_repeated_choice_field_is_refused(app, ann):
    vote = open_vote(app)
    assert ballot_post(ann, vote, {"choice": ["yes", "no"]}).status_code == 400
    assert counts(app) == (0, 0)


def test_results_and_ballots_are_hidden_from_everyone_until_the_close(app, auth):
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    vote = open_vote(app)
    auth.login("chair@example.org")
    for path in ("results", "ballots", "ballots.csv"):
        assert auth.client.get(f"/referendums/{vote}/{path}").status_code == 404


def test_stv_election_results_show_the_verdict_rounds_and_receipts(app, auth):
    voters = [make_member(app, f"v{i}@example.org", name=f"V{i}") for i in range(6)]
    vote = open_vote(app, method=VoteMethod.STV, options=CANDIDATES, seats=2)
    preferences = [
        ("ada-lovelace", "grace-hopper"),
        ("ada-lovelace", "alan-turing"),
        ("ada-lovelace", "grace-hopper"),
        ("grace-hopper", "ada-lovelace"),
        ("alan-turing", "grace-hopper"),
        ("edsger-dijkstra", "grace-hopper"),
    ]
    receipts = []
    for i, prefs in enumerate(preferences):
        auth.login(f"v{i}@example.org")
        data = {f"rank-{slug}": str(n) for n, slug in enumerate(prefs, 1)}
        response = ballot_post(auth, vote, data)
        receipts.append(RECEIPT_RE.search(response.get_data(as_text=True)).group(1))
        auth.logout()
    assert len(voters) == 6
    close(app, vote)
    auth.login("v0@example.org")
    page = auth.client.get(f"/referendums/{vote}/results").get_data(as_text=True)
    assert "Elected, in order of election: Ada Lovelace and Grace Hopper" in page
    assert 'id="rounds"' in page and "Droop quota: 3 votes" in page
    assert "<svg" in page and "style=" not in page
    checked = auth.post(
        f"/referendums/{vote}/receipt", {"receipt": receipts[0]}, token_from=f"/referendums/{vote}"
    )
    assert checked.headers["Cache-Control"] == "no-store"
    assert "Ada Lovelace &gt; Grace Hopper" in checked.get_data(as_text=True)
    listing = auth.client.get(f"/referendums/{vote}/ballots").get_data(as_text=True)
    tracker = re.search(r'<code class="digest" id="tracker">', checked.get_data(as_text=True))
    assert tracker and listing.count("rank:") == 6
    export = auth.client.get(f"/referendums/{vote}/ballots.csv")
    assert export.headers["Cache-Control"] == "no-store" and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0] == ["tracker", "choice"] and len(rows) == 7
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])


def test_a_yes_no_verdict_names_the_failed_quorum(app, auth):
    for i in range(10):
        make_member(app, f"v{i}@example.org", name=f"V{i}")
    vote = open_vote(app, rules=QUORUM_30)
    auth.login("v0@example.org")
    ballot_post(auth, vote, {"choice": "yes"})
    close(app, vote)
    page = auth.client.get(f"/referendums/{vote}/results").get_data(as_text=True)
    assert "Failed: turnout 10% is below the 30% quorum, though 100% voted yes" in page


def test_auditors_read_but_never_vote(app, auth):
    make_member(app, "aud@example.org", name="Aud", roles=(Role.AUDITOR,))
    vote = open_vote(app)
    auth.login("aud@example.org")
    page = auth.client.get(f"/referendums/{vote}").get_data(as_text=True)
    assert "Auditors observe votes" in page and 'name="choice"' not in page
    assert ballot_post(auth, vote, {"choice": "yes"}).status_code == 403
    assert counts(app) == (0, 0)


def test_a_member_who_joined_later_is_told_they_are_not_on_the_list(app, auth):
    vote = open_vote(app)
    make_member(app)
    auth.login()
    page = auth.client.get(f"/referendums/{vote}").get_data(as_text=True)
    assert "not on the list of voters" in page
    response = ballot_post(auth, vote, {"choice": "yes"})
    assert response.status_code == 403 and "fixed when voting opened" in response.get_data(
        as_text=True
    )


def test_committee_creates_an_election_and_dst_gaps_are_refused(app, auth):
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    auth.login("chair@example.org")
    app.config["ORG_TIMEZONE"] = "Europe/Berlin"
    form = {
        "kind": "election",
        "method": "stv",
        "question": "Steering committee",
        "options": "\n".join(CANDIDATES),
        "seats": "2",
        "opens_at": "2026-03-29T02:30",
        "closes_at": "2026-04-05T12:00",
        "statuses": "active",
        "min_membership_days": "0",
        "majority": "1/2",
    }
    gap = auth.post("/referendums/new", form)
    assert gap.status_code == 422
    assert "does not exist in Europe/Berlin" in gap.get_data(as_text=True)
    later = utcnow() + timedelta(days=30)
    form |= {"opens_at": f"{later:%Y-%m-%d}T10:00", "closes_at": f"{later:%Y-%m-%d}T18:00"}
    made = auth.post("/referendums/new", form)
    assert made.status_code == 302
    public_id = made.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        r = referendums.get(db.session, public_id)
        assert [o.label for o in r.options] == list(CANDIDATES) and r.seats == 2
        assert r.state.value == "draft"


def test_editing_after_opening_is_refused_and_extension_is_audited(app, auth):
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    vote = open_vote(app)
    auth.login("chair@example.org")
    edit = auth.post(
        f"/referendums/{vote}/edit",
        {"question": "A different question?", "description": ""},
        token_from=f"/referendums/{vote}",
    )
    assert edit.status_code == 409 and "frozen" in edit.get_data(as_text=True)
    later = utcnow() + timedelta(days=3)
    extended = auth.post(
        f"/referendums/{vote}/extend",
        {"closes_at": f"{later:%Y-%m-%dT%H:%M}", "reason": "Postal strike"},
        token_from=f"/referendums/{vote}",
    )
    assert extended.status_code == 302
    shorter = auth.post(
        f"/referendums/{vote}/extend",
        {"closes_at": f"{utcnow() + timedelta(hours=2):%Y-%m-%dT%H:%M}", "reason": "Oops"},
        token_from=f"/referendums/{vote}",
    )
    assert shorter.status_code == 422 and "never shortened" in shorter.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert actions.count("referendum.extended") == 1


def test_a_busy_database_answers_not_recorded_with_retry_after(app, ann, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from deliberate.services import voting

    def busy(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    vote = open_vote(app)
    token = csrf_from(ann.client.get(f"/referendums/{vote}").get_data(as_text=True))
    monkeypatch.setattr(voting, "cast_ballot", busy)
    response = ann.client.post(
        f"/referendums/{vote}/vote", data={"csrf_token": token, "choice": "yes"}
    )
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "Your vote was NOT recorded. Please try again." in response.get_data(as_text=True)
    assert counts(app) == (0, 0)
