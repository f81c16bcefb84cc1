"""Proposals and referendums in the API: lists, items, results after the close only."""

from deliberate.extensions import db
from deliberate.models import VoteMethod
from tests.audit_builders import closed_vote
from tests.proposal_builders import proposal, ruleset
from tests.voting import make_vote


def test_proposals_list_and_item_carry_counts_and_thresholds(app, client):
    with app.app_context():
        ref = proposal(db.session, ruleset(threshold=1000)).public_id
    body = client.get("/api/v1/proposals").get_json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert item["id"] == ref and item["state"] and item["url"].endswith(f"/proposals/{ref}")
    assert item["signature_count"] == 0
    assert any(t["required"] == 1000 for t in item["thresholds"]) or item["thresholds"] == []
    assert client.get(f"/api/v1/proposals/{ref}").get_json() == item
    other = client.get(f"/api/v1/proposals?state={item['state']}").get_json()
    assert other["total"] == 1
    assert client.get("/api/v1/proposals?state=draft").status_code == 400
    missing = client.get("/api/v1/proposals/nope")
    assert missing.status_code == 404 and set(missing.get_json()) == {"error", "message"}


def test_referendum_results_only_after_the_close(app, client):
    closed = closed_vote(app, VoteMethod.YES_NO)
    open_vote = make_vote(app, question="Should we also meet on Sundays?")
    body = client.get("/api/v1/referendums").get_json()
    assert {i["id"] for i in body["items"]} == {closed, open_vote}
    for item in body["items"]:
        assert item["state"] in ("open", "closed") and item["url"].endswith(item["id"])
    results = client.get(f"/api/v1/referendums/{closed}/results")
    assert results.status_code == 200
    data = results.get_json()
    assert data["state"] == "closed" and data["turnout"] == "5/7" and data["verdict"]
    early = client.get(f"/api/v1/referendums/{open_vote}/results")
    assert early.status_code == 404 and set(early.get_json()) == {"error", "message"}
    assert client.get(f"/api/v1/referendums/{open_vote}").get_json()["results"] is None


def test_referendums_paginate(app, client):
    for n in range(3):
        make_vote(app, question=f"Question number {n}?")
    first = client.get("/api/v1/referendums?per_page=2").get_json()
    assert first["total"] == 3 and len(first["items"]) == 2 and first["next"]
    second = client.get(first["next"]).get_json()
    assert len(second["items"]) == 1 and second["prev"] and second["next"] is None
