"""The author of a rule-change proposal sets out its amendment; the proposal page shows it."""

from dataclasses import replace

from deliberate.extensions import db
from deliberate.forms.rulebook import form_data
from deliberate.models import Member, Proposal
from deliberate.services import drafting, rulebook
from tests.proposal_builders import NOW, ruleset, use_rules
from tests.web.test_proposals import member_client, post_form


def post_data(rules, **overrides) -> dict:
    """The form fields of a RuleSetForm showing ``rules``, as a browser would post them."""
    data, out = form_data(rules), {}
    for name, value in data.items():
        if name == "tiers":
            for n, row in enumerate(value):
                for key, item in row.items():
                    if item is not None and item is not False:
                        out[f"tiers-{n}-{key}"] = "" if item is None else str(item)
        elif isinstance(value, bool):
            if value:
                out[name] = "y"
        elif isinstance(value, list):
            out[name] = value
        else:
            out[name] = "" if value is None else str(value)
    return out | overrides


def rule_change_draft(app):
    """Entrenched policy-motion quorum; a registered rule-change proposal by 'author'."""
    author = member_client(app, "author")
    with app.app_context():
        session = db.session
        policy = rulebook.current_rulebook(session).rulesets["policy-motion"]
        policy = replace(policy, entrenched=frozenset({"vote.turnout_quorum"}))
        use_rules(session, policy, kind="policy-motion")
        use_rules(session, replace(ruleset(co_sponsors=1), name="Rule change"), kind="rule-change")
        by = session.query(Member).filter_by(email="author.0@example.org").one()
        draft = drafting.create_draft(
            session, author=by, kind="rule-change", title="Lower the quorum",
            summary="Five per cent.", body="Lower it.", local_group_id=None, now=NOW,
        )  # fmt: skip
        drafting.register(session, proposal_id=draft.id, author_id=by.id, now=NOW)
        return author, draft.public_id, policy


def test_author_sets_the_amendment_and_the_diff_shows_on_the_proposal_page(app):
    author, ref, policy = rule_change_draft(app)
    path = f"/proposals/{ref}/amendment"
    page = author.get(path + "?kind=policy-motion")
    assert page.status_code == 200
    assert 'name="kind" type="hidden" value="policy-motion"' in page.get_data(as_text=True)

    bad = post_form(author, path, post_data(policy, kind="policy-motion", turnout_quorum="lots"))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'value="lots"' in html and "enter a percentage" in html

    good = post_form(author, path, post_data(policy, kind="policy-motion", turnout_quorum="5"))
    assert good.status_code == 303
    with app.app_context():
        stored = db.session.query(Proposal).filter_by(public_id=ref).one().amendment_json
        assert '"turnout_quorum":"1/20"' in stored

    detail = author.get(f"/proposals/{ref}").get_data(as_text=True)
    assert "The amendment" in detail and 'id="amendment-diff"' in detail
    assert "Entrenched" in detail and "Edit the amendment" in detail

    same = post_form(author, path, post_data(policy, kind="policy-motion", turnout_quorum="5"))
    assert same.status_code == 422  # saving the same amendment again is refused, input kept


def test_others_get_404_and_the_public_sees_the_diff_without_the_edit_link(app):
    _author, ref, policy = rule_change_draft(app)
    _author_post = post_form(
        _author,
        f"/proposals/{ref}/amendment",
        post_data(policy, kind="policy-motion", turnout_quorum="5"),
    )
    assert _author_post.status_code == 303
    other = member_client(app, "other")
    assert other.get(f"/proposals/{ref}/amendment").status_code == 404
    token_page = f"/proposals/{ref}"
    response = post_form(
        other,
        f"/proposals/{ref}/amendment",
        post_data(policy, kind="policy-motion"),
        page=token_page,
    )
    assert response.status_code == 404
    html = other.get(token_page).get_data(as_text=True)
    assert 'id="amendment-diff"' in html and "Edit the amendment" not in html
