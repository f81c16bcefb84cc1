"""T40: a local group with fewer than MIN_GROUP_VOTERS voters is counted but never shown.

Checked where results leave the server: the stored result (the JSON API returns it
verbatim as "result") and the results page.
"""

import json
from datetime import timedelta

import pytest

from deliberate.core.rules import Majority, VoteRules
from deliberate.extensions import db
from deliberate.models import Referendum
from deliberate.services import counting, referendums
from tests.conftest import AuthActions
from tests.voting import T0, cast, make_group, make_vote, make_voters

DOUBLE = VoteRules(majority=Majority(), has_double_majority=True)


def group_rows(node):
    """Every per-group row anywhere in a stored result."""
    if isinstance(node, dict):
        if "group" in node and "is_suppressed" in node:
            yield node
        for value in node.values():
            yield from group_rows(value)
    elif isinstance(node, list):
        for value in node:
            yield from group_rows(value)


@pytest.fixture
def closed_vote(app):
    """Bigtown: 6 yes. Tinyvillage: 2 no (below k=5, so its split would reveal both)."""
    big = make_group(app, "Bigtown")
    small = make_group(app, "Tinyvillage")
    big_voters = make_voters(app, 6, prefix="big", group_id=big)
    small_voters = make_voters(app, 2, prefix="small", group_id=small)
    vote = make_vote(app, rules=DOUBLE, now=T0)
    for member in big_voters:
        cast(app, vote, member, "yes")
    for member in small_voters:
        cast(app, vote, member, "no")
    with app.app_context():
        closes = referendums.get(db.session, vote).closes_at
        db.session.commit()
        counting.close_and_count(db.session, vote, closes + timedelta(seconds=1))
    return vote


def results_page(app, vote) -> str:
    client = app.test_client()
    AuthActions(client).login("big0@example.org")
    return client.get(f"/referendums/{vote}/results").get_data(as_text=True)


def test_a_group_below_k_is_counted_but_its_split_is_never_stored_or_shown(app, closed_vote):
    assert counting.MIN_GROUP_VOTERS == 5
    with app.app_context():
        stored = db.session.query(Referendum).filter_by(public_id=closed_vote).one().result_json
    rows = {row["group"]: row for row in group_rows(json.loads(stored))}
    (small,) = [row for name, row in rows.items() if "Tiny" in name]
    (big,) = [row for name, row in rows.items() if "Big" in name]
    assert set(small) == {"group", "is_suppressed"} and small["is_suppressed"] is True
    assert big["is_suppressed"] is False and big["yes"] == 6 and big["voters"] == 6

    page = results_page(app, closed_vote)
    assert "Results by local group" in page
    row = page.split("Tinyvillage", 1)[1].split("</tr>", 1)[0]
    assert "counted, but not shown" in row
    assert "<td>2</td>" not in row and "<td>0</td>" not in row


def test_the_suppression_notice_names_k(app, closed_vote):
    assert "Fewer than 5 voters" in results_page(app, closed_vote)
