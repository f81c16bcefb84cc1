"""Signature data per proposal: counts by group and day, and only the names shown by choice."""

import csv
import io
from datetime import timedelta

from deliberate.extensions import db
from deliberate.models import Member
from deliberate.services import signing
from tests.proposal_builders import NOW, add_group, add_members, proposal, ruleset


def signed_proposal(app) -> str:
    with app.app_context():
        p = proposal(db.session, ruleset(threshold=1000))
        north = add_group(db.session, "North")
        shown = add_members(db.session, 2, prefix="shown", group_id=north)
        hidden = add_members(db.session, 2, prefix="hidden")
        (formula,) = add_members(db.session, 1, prefix="formula", group_id=north)
        db.session.get(Member, formula).display_name = '=HYPERLINK("http://x")'
        db.session.commit()
        for i, (member, show) in enumerate(
            [(m, True) for m in shown] + [(m, False) for m in hidden] + [(formula, True)]
        ):
            signing.sign(
                db.session,
                proposal_id=p.id,
                member_id=member,
                show_name=show,
                ip=None,
                now=NOW + timedelta(minutes=i),
            )
        return p.public_id


def test_json_counts_by_group_and_day_and_only_public_names(app, client):
    ref = signed_proposal(app)
    body = client.get(f"/proposals/{ref}/signatures.json").get_json()
    assert body["id"] == ref and body["total"] == 5
    groups = {row["group"]: row["count"] for row in body["by_group"]}
    assert groups == {"North": 3, "(no local group)": 2}
    assert sum(row["count"] for row in body["by_day"]) == 5
    assert sorted(body["public_names"]) == sorted(["Shown 0", "Shown 1", '=HYPERLINK("http://x")'])
    assert not any(name.startswith("Hidden") for name in body["public_names"])


def test_csv_has_the_same_counts_and_escapes_formulas(app, client):
    ref = signed_proposal(app)
    response = client.get(f"/proposals/{ref}/signatures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "key", "value"]
    assert ["total", "", "5"] in rows and ["group", "North", "3"] in rows
    assert "Hidden" not in text
    names = [row[1] for row in rows if row[0] == "public_name"]
    assert '\'=HYPERLINK("http://x")' in names
    assert not any(name.startswith("=") for name in names)


def test_unknown_proposal_is_404(client):
    assert client.get("/proposals/nope/signatures.json").status_code == 404
