"""The rulebook pages: rules in words, history with diffs, and the committee's editor."""

import re

import pytest
from sqlalchemy import func, select

from deliberate.core.rules import evaluate_signatures, evaluate_vote, presets
from deliberate.extensions import db
from deliberate.models import AuditEntry, Role, RulebookVersion
from deliberate.services import rulebook as rules
from tests.conftest import AuthActions, csrf_from, make_member

EDIT = "/rulebook/edit/campaign"
BASE_RE = re.compile(r'name="base_version" type="hidden" value="(\d+)"')


def sign_in_committee(app, auth, email: str = "chair@example.org") -> None:
    make_member(app, email, name=email.split("@")[0].title(), roles=(Role.COMMITTEE,))
    auth.login(email)


def vote_fields(**overrides) -> dict:
    """The members' vote section, ticked on, with the form's defaults."""
    fields = {
        "has_vote": "y",
        "deliberation_days": "0",
        "voting_days": "14",
        "turnout_quorum": "",
        "approval_quorum": "",
        "majority": "simple",
        "majority_custom": "",
        "abstentions": "excluded",
    }
    return fields | overrides


def form_fields(name: str, tiers: list[dict], **overrides) -> dict:
    """Everything the edit form posts, as a person would fill it in."""
    fields = {
        "name": name,
        "co_sponsors": "0",
        "silence_days": "",
        "collection_days": "",
        "deliberation_days": "",
        "voting_days": "",
        "statuses": ["active"],
        "min_membership_days": "0",
        "counted_until": "day_of_action",
        "group": "",
        "reason": "Adopting a tested rule set",
        "save": "Save as new version",
    }
    for index, tier in enumerate(tiers):
        fields |= {f"tiers-{index}-{key}": value for key, value in tier.items()}
    return fields | overrides


def post_edit(client, data: dict, path: str = EDIT, base: str | None = None):
    """Load the edit form (for its CSRF token and base version) and post ``data``."""
    page = client.get(path).get_data(as_text=True)
    base = base or BASE_RE.search(page).group(1)
    return client.post(path, data={"csrf_token": csrf_from(page), "base_version": base, **data})


def stored(app, kind: str = "campaign"):
    with app.app_context():
        return rules.current_rulebook(db.session).rulesets[kind]


def version_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RulebookVersion))


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# Each real rule set, typed into the browser form field by field.
REAL_RULE_SETS = {
    "uk_parliament_petitions": form_fields(
        "UK Parliament petitions",
        [
            {"count": "10000", "consequence": "committee_must_respond"},
            {"count": "100000", "consequence": "debate"},
        ],
        co_sponsors="5",
        admission_required="y",
        collection_days="183",
    ),
    "momentum_2017": form_fields(
        "Momentum 2017",
        [
            {
                "count": "1000",
                "percentage": "5",
                "combine": "lower",
                "consequence": "committee_must_consider",
            },
            {"percentage": "10", "consequence": "binding_referendum"},
        ],
        **vote_fields(turnout_quorum="30", deliberation_days="14", voting_days="14"),
    ),
    "european_citizens_initiative": form_fields(
        "European Citizens' Initiative",
        [
            {
                "count": "1000000",
                "consequence": "committee_must_respond",
                "respond_within_days": "180",
                "groups_needed": "7",
                "group_percentage": "0.1",
            }
        ],
        co_sponsors="6",
        admission_required="y",
        collection_days="365",
    ),
    "swiss_popular_initiative": form_fields(
        "Swiss popular initiative",
        [{"count": "100000", "consequence": "binding_referendum"}],
        co_sponsors="6",
        admission_required="y",
        collection_days="548",
        **vote_fields(double_majority="y", voting_days="28"),
    ),
    "madrid_consul": form_fields(
        "Madrid / Consul",
        [{"percentage": "1", "consequence": "qualifies_for_vote"}],
        collection_days="365",
        **vote_fields(deliberation_days="45", voting_days="7"),
    ),
}


def uk_outcomes(ruleset) -> None:
    status = evaluate_signatures(ruleset, 99_999, {}, {}, 47_000_000)
    assert status.highest_met.consequence.value == "committee_must_respond"
    status = evaluate_signatures(ruleset, 100_000, {}, {}, 47_000_000)
    assert status.highest_met.consequence.value == "debate"
    assert not status.qualifies_for_vote


def momentum_outcomes(ruleset) -> None:
    # 5% of 40,001 is 2,001, so the lower figure, 1,000, applies to tier 1.
    status = evaluate_signatures(ruleset, 1_000, {}, {}, 40_001)
    assert status.highest_met.number == 1
    assert evaluate_signatures(ruleset, 4_000, {}, {}, 40_001).tiers[1].still_needed == 1
    # 30% of 40,001 is 12,000.3: 12,000 voters miss the quorum, 12,001 meet it.
    assert not evaluate_vote(ruleset, 40_001, 11_000, 1_000, 0).is_passed
    assert evaluate_vote(ruleset, 40_001, 11_000, 1_001, 0).is_passed


def eci_outcomes(ruleset) -> None:
    members = {f"group-{n}": 10_000 for n in range(8)}
    seven = {f"group-{n}": 10 for n in range(7)}
    assert evaluate_signatures(ruleset, 1_000_000, seven, members, 80_000).tiers[0].is_met
    six = {f"group-{n}": 10 for n in range(6)} | {"group-6": 9}
    assert not evaluate_signatures(ruleset, 1_000_000, six, members, 80_000).tiers[0].is_met


def swiss_outcomes(ruleset) -> None:
    assert evaluate_signatures(ruleset, 100_000, {}, {}, 5_500_000).qualifies_for_vote
    # A majority of voters, but only 1 of 3 cantons: it fails.
    by_group = {"a": (900, 100, 0), "b": (40, 60, 0), "c": (40, 60, 0)}
    outcome = evaluate_vote(ruleset, 2_000, 980, 220, 0, by_group)
    assert outcome.is_majority_met and not outcome.is_passed


def madrid_outcomes(ruleset) -> None:
    assert not evaluate_signatures(ruleset, 29_999, {}, {}, 3_000_000).qualifies_for_vote
    assert evaluate_signatures(ruleset, 30_000, {}, {}, 3_000_000).qualifies_for_vote
    assert evaluate_vote(ruleset, 3_000_000, 50, 49, 1_000).is_passed  # no quorum


OUTCOMES = {
    "uk_parliament_petitions": uk_outcomes,
    "momentum_2017": momentum_outcomes,
    "european_citizens_initiative": eci_outcomes,
    "swiss_popular_initiative": swiss_outcomes,
    "madrid_consul": madrid_outcomes,
}


@pytest.mark.parametrize("preset", sorted(REAL_RULE_SETS))
def test_real_rule_set_typed_into_the_form_is_stored_exactly_and_decides_as_expected(
    app, auth, preset
):
    sign_in_committee(app, auth)
    response = post_edit(auth.client, REAL_RULE_SETS[preset])
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/rulebook/versions/2")
    ruleset = stored(app)
    assert ruleset == getattr(presets, preset)()
    OUTCOMES[preset](ruleset)


def test_rulebook_page_shows_the_rules_in_words_with_version_and_feasibility(client):
    page = client.get("/rulebook/").get_data(as_text=True)
    assert "At 2% of members, it goes to a members&#39; vote" in page
    assert "At least 20% of the electorate must vote" in page
    assert "Initial rulebook" in page and "The system" in page
    assert "No past proposals yet" in page
    assert "Edit these rules" not in page


def test_history_lists_versions_and_shows_the_change(app, auth):
    sign_in_committee(app, auth)
    data = form_fields(
        "Campaign",
        [{"percentage": "2.5", "consequence": "qualifies_for_vote"}],
        co_sponsors="3",
        collection_days="90",
        reason="Raise the bar a little",
        **vote_fields(turnout_quorum="20", deliberation_days="14", voting_days="14"),
    )
    assert post_edit(auth.client, data).status_code == 302
    history = auth.client.get("/rulebook/versions").get_data(as_text=True)
    assert "Version 2" in history and "Version 1" in history
    assert "Raise the bar a little" in history and "Chair" in history
    detail = auth.client.get("/rulebook/versions/2").get_data(as_text=True)
    assert "At 2% of members, it goes to a members&#39; vote" in detail
    assert "→ At 2.5% of members, it goes to a members&#39; vote" in detail
    assert "Co-sponsors" not in detail.split("What changed")[1].split("</table>")[0]
    assert auth.client.get("/rulebook/versions/3").status_code == 404


def test_percentages_are_stored_exactly(app, auth):
    sign_in_committee(app, auth)
    data = form_fields(
        "Campaign",
        [{"percentage": "2.5", "consequence": "committee_must_consider"}],
        **vote_fields(turnout_quorum="33.3"),
    )
    assert post_edit(auth.client, data).status_code == 302
    ruleset = stored(app)
    assert str(ruleset.tiers[0].threshold.share) == "1/40"
    assert str(ruleset.vote.turnout_quorum) == "333/1000"


def _entrench_turnout(app, auth) -> dict:
    data = form_fields(
        "Campaign",
        [{"percentage": "2", "consequence": "qualifies_for_vote"}],
        entrenched=["vote.turnout_quorum"],
        **vote_fields(turnout_quorum="20"),
    )
    assert post_edit(auth.client, data).status_code == 302
    return data


def test_entrenched_rule_cannot_be_changed_by_the_committee(app, auth):
    sign_in_committee(app, auth)
    data = _entrench_turnout(app, auth)
    before = audit_actions(app)
    response = post_edit(auth.client, data | {"turnout_quorum": "10", "reason": "Lower it"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "only be changed by a members&#39; referendum" in page
    assert 'value="10"' in page  # the input is kept
    assert version_count(app) == 2 and audit_actions(app) == before
    assert str(stored(app).vote.turnout_quorum) == "1/5"


def test_committee_cannot_un_entrench_a_rule(app, auth):
    sign_in_committee(app, auth)
    data = _entrench_turnout(app, auth)
    response = post_edit(auth.client, data | {"entrenched": [], "reason": "Free it"})
    assert response.status_code == 409
    assert version_count(app) == 2


def test_preview_shows_diff_and_feasibility_and_saves_nothing(app, auth):
    sign_in_committee(app, auth)
    data = form_fields(
        "Campaign", [{"count": "50", "consequence": "committee_must_consider"}], reason=""
    )
    del data["save"]
    response = post_edit(auth.client, data | {"preview": "Preview"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Preview (nothing saved yet)" in page
    assert "→ At 50 signatures, the committee must consider it" in page
    assert "No past proposals yet" in page
    assert version_count(app) == 1


def test_preset_fills_the_form_without_saving(app, auth):
    sign_in_committee(app, auth)
    page = auth.client.get(EDIT).get_data(as_text=True)
    response = auth.client.post(
        EDIT,
        data={
            "csrf_token": csrf_from(page),
            "base_version": "1",
            "preset": "swiss-popular-initiative",
            "fill": "Fill",
        },
    )
    filled = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="tiers-0-count" type="number" value="100000"' in filled
    assert 'id="collection_days" min="1" name="collection_days" type="number" value="548"' in filled
    assert version_count(app) == 1


def test_two_committee_members_saving_at_once_never_overwrite_each_other(app, auth):
    sign_in_committee(app, auth)
    other = AuthActions(app.test_client())
    make_member(app, "bo@example.org", name="Bo", roles=(Role.COMMITTEE,))
    other.login("bo@example.org")
    first_page = auth.client.get(EDIT).get_data(as_text=True)
    second_page = other.client.get(EDIT).get_data(as_text=True)
    ann = form_fields("Ann's campaign", [{"count": "40", "consequence": "debate"}])
    bo = form_fields("Bo's campaign", [{"count": "70", "consequence": "debate"}])
    first = auth.client.post(
        EDIT, data={"csrf_token": csrf_from(first_page), "base_version": "1", **ann}
    )
    second = other.client.post(
        EDIT, data={"csrf_token": csrf_from(second_page), "base_version": "1", **bo}
    )
    assert first.status_code == 302
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "changed by someone else while you were editing (now version 2)" in page
    assert "Bo&#39;s campaign" in page  # the loser's input is kept
    assert version_count(app) == 2
    assert stored(app).name == "Ann's campaign"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tiers-0-percentage": "abc"}, "enter a percentage as a number such as 5 or 2.5"),
        ({"tiers-0-percentage": "150"}, "cannot be more than 100%"),
        ({"collection_days": "-3"}, "Enter at least 1 days."),
        ({"co_sponsors": "two"}, "Not a valid integer value."),
        ({"reason": ""}, "State the reason for the change."),
        ({"statuses": []}, "At least one membership status must be allowed"),
    ],
)
def test_bad_input_keeps_the_form_and_saves_nothing(app, auth, overrides, message):
    sign_in_committee(app, auth)
    data = (
        form_fields("Campaign", [{"percentage": "3", "consequence": "committee_must_consider"}])
        | overrides
    )
    response = post_edit(auth.client, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    for key, value in overrides.items():
        if value:
            assert f'name="{key}"' in page and f'value="{value}"' in page
    assert version_count(app) == 1
    assert audit_actions(app) == ["rulebook.version_saved"]  # the initial version only


def test_saving_nothing_new_is_refused(app, auth):
    sign_in_committee(app, auth)
    data = form_fields(
        "Campaign",
        [{"percentage": "2", "consequence": "qualifies_for_vote"}],
        co_sponsors="3",
        collection_days="90",
        **vote_fields(turnout_quorum="20", deliberation_days="14", voting_days="14"),
    )
    response = post_edit(auth.client, data)
    assert response.status_code == 422
    assert "Nothing has changed" in response.get_data(as_text=True)
    assert version_count(app) == 1


def test_every_save_appends_an_audit_entry(app, auth):
    sign_in_committee(app, auth)
    for count in ("40", "50"):
        data = form_fields("Campaign", [{"count": count, "consequence": "debate"}])
        assert post_edit(auth.client, data).status_code == 302
    assert audit_actions(app) == ["rulebook.version_saved"] * 3
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert '"number":3' in entry.payload_json
        assert "campaign.tiers.0" in entry.payload_json
        assert entry.actor_label.startswith("Chair")


def test_committee_adds_a_kind_from_a_preset(app, auth):
    sign_in_committee(app, auth)
    page = auth.client.get("/rulebook/new-kind").get_data(as_text=True)
    response = auth.client.post(
        "/rulebook/new-kind",
        data={
            "csrf_token": csrf_from(page),
            "base_version": "1",
            "slug": "budget-motion",
            "name": "Budget motion",
            "start_from": "preset:madrid-consul",
            "reason": "Members asked for budget votes",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/rulebook/edit/budget-motion")
    ruleset = stored(app, "budget-motion")
    assert ruleset.name == "Budget motion" and ruleset.collection_days == 365
    assert "Budget motion" in auth.client.get("/rulebook/").get_data(as_text=True)


def test_a_kind_slug_must_be_new_and_well_formed(app, auth):
    sign_in_committee(app, auth)
    for slug, message in (("campaign", "already a kind"), ("Big Motion!", "lower-case")):
        page = auth.client.get("/rulebook/new-kind").get_data(as_text=True)
        response = auth.client.post(
            "/rulebook/new-kind",
            data={
                "csrf_token": csrf_from(page),
                "base_version": "1",
                "slug": slug,
                "name": "Another",
                "start_from": "kind:campaign",
                "reason": "Testing",
            },
        )
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert version_count(app) == 1


@pytest.mark.parametrize("roles", [(), (Role.AUDITOR,), (Role.MODERATOR,)])
def test_only_the_committee_may_edit(app, auth, roles):
    make_member(app, roles=roles)
    auth.login()
    assert auth.client.get(EDIT).status_code == 403
    assert auth.client.get("/rulebook/new-kind").status_code == 403
    token = csrf_from(auth.client.get("/rulebook/").get_data(as_text=True))  # the sign-out form
    data = form_fields("Hijack", [{"count": "1", "consequence": "debate"}])
    response = auth.client.post(EDIT, data={"csrf_token": token, "base_version": "1", **data})
    assert response.status_code == 403
    assert version_count(app) == 1
