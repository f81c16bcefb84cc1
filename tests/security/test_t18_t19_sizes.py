"""Oversized bodies and over-long fields (T18, T19): a clear refusal, never a 500, nothing stored.

T18: Werkzeug caps multipart bodies itself (MAX_FORM_PARTS parts, MAX_FORM_MEMORY_SIZE bytes
a text part); an urlencoded body is parsed whole, so the app counts its fields
(deliberate/web/security.py) and a 1 MB textarea reaches the form's Length validator.

T19: SQLite ignores VARCHAR(n), so a value the PostgreSQL column would refuse (with a 500)
must never get past a form. The sweep below reads every text field of every form and the
column each is stored in, and fails when a form allows more than its column holds, or when
a field is added without saying where it goes.
"""

import importlib
import inspect
import pkgutil
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import String, func, select
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.validators import Length

import deliberate.forms
from config import Config
from deliberate.extensions import db
from deliberate.models import (
    AccountToken,
    Amendment,
    ApiToken,
    Appeal,
    AuditEntry,
    Contribution,
    CounterProposal,
    Flag,
    Member,
    ModerationAction,
    Proposal,
    ProposalTextVersion,
    Referendum,
    RulebookVersion,
    Signature,
    StatusChange,
)
from tests.conftest import PASSWORD, AuthActions, csrf_from, make_member
from tests.debate_builders import make_proposal
from tests.security.test_hostile_input import row_counts

ONE_MEGABYTE = "x" * 1_000_000


def signed_in(app, email: str = "ann@example.org"):
    make_member(app, email)
    client = app.test_client()
    AuthActions(client).login(email)
    return client


def registration(token: str, **changes) -> MultiDict:
    """A registration that would succeed as it stands."""
    fields = {
        "csrf_token": token,
        "display_name": "Ann Example",
        "email": "ann@example.org",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "local_group": "0",
        "accept_declaration": "y",
    }
    return MultiDict({**fields, **changes})


def new_proposal(**changes) -> dict:
    fields = {"kind": "campaign", "title": "Free tea", "summary": "Tea at meetings.",
              "body": "Tea *for all*.", "local_group": "0"}  # fmt: skip
    return {**fields, **changes}


def proposal_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Proposal))


# -- T18: many parts, a big textarea --------------------------------------------------------


def test_the_body_limits_are_set_explicitly():
    # Flask leaves MAX_CONTENT_LENGTH unset; config.py must not.
    assert Config.MAX_CONTENT_LENGTH == 2 * 1024 * 1024
    assert Config.MAX_FORM_MEMORY_SIZE == 500_000
    assert Config.MAX_FORM_PARTS == 1000


@pytest.mark.parametrize("encoding", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_five_thousand_form_parts_get_413_and_nothing_is_written(app, client, encoding):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    fields = registration(token)
    for n in range(5000):
        fields.add("x", str(n))
    before = row_counts(app)
    response = client.post("/register", data=fields, content_type=encoding)
    assert response.status_code == 413
    assert "What you sent is too large. Nothing was saved." in response.get_data(as_text=True)
    assert row_counts(app) == before


def test_a_form_within_the_parts_limit_still_goes_through(app, client):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    fields = registration(token)
    for n in range(900):
        fields.add("x", str(n))
    response = client.post("/register", data=fields)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1


def test_a_one_megabyte_textarea_in_a_multipart_body_gets_413(app):
    client = signed_in(app)
    token = csrf_from(client.get("/proposals/new").get_data(as_text=True))
    data = {"csrf_token": token, **new_proposal(body=ONE_MEGABYTE)}
    response = client.post("/proposals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "What you sent is too large. Nothing was saved." in response.get_data(as_text=True)
    assert proposal_count(app) == 0


def test_a_one_megabyte_proposal_body_is_refused_beside_the_field(app):
    client = signed_in(app)
    token = csrf_from(client.get("/proposals/new").get_data(as_text=True))
    response = client.post(
        "/proposals/new", data={"csrf_token": token, **new_proposal(body=ONE_MEGABYTE)}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Field cannot be longer than 20000 characters." in page
    assert ONE_MEGABYTE in page  # what was typed is kept, to be cut down
    assert proposal_count(app) == 0


def test_a_one_megabyte_debate_post_is_refused_beside_the_field(app):
    client = signed_in(app)
    author = make_member(app, "author@example.org", name="Author")
    proposal = make_proposal(app, author)
    path = f"/proposals/{proposal}/discussion"
    token = csrf_from(client.get(path).get_data(as_text=True))
    before = row_counts(app)
    response = client.post(path, data={"csrf_token": token, "stance": "none", "body": ONE_MEGABYTE})
    assert response.status_code == 422
    assert "Field cannot be longer than 20000 characters." in response.get_data(as_text=True)
    assert row_counts(app) == before


# -- T19: the Length error text on the main forms --------------------------------------------


def test_an_over_long_registration_name_is_refused_with_the_length_message(app, client):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data=registration(token, display_name="N" * 81))
    assert response.status_code == 422  # the view re-renders the form (no redirect)
    assert "Field cannot be longer than 80 characters." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 0


def test_a_registration_name_of_exactly_80_characters_is_stored(app, client):
    token = csrf_from(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data=registration(token, display_name="N" * 80))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Member.display_name)) == "N" * 80


@pytest.mark.parametrize(("field", "limit"), [("title", 200), ("summary", 1000), ("body", 20_000)])
def test_an_over_long_proposal_field_is_refused_with_the_length_message(app, field, limit):
    client = signed_in(app)
    token = csrf_from(client.get("/proposals/new").get_data(as_text=True))
    data = {"csrf_token": token, **new_proposal(**{field: "t" * (limit + 1)})}
    response = client.post("/proposals/new", data=data)
    assert response.status_code == 422
    assert f"Field cannot be longer than {limit} characters." in response.get_data(as_text=True)
    assert proposal_count(app) == 0
    data = {"csrf_token": token, **new_proposal(**{field: "t" * limit})}
    assert client.post("/proposals/new", data=data).status_code == 303
    assert proposal_count(app) == 1


def test_an_over_long_debate_post_is_refused_and_one_at_the_limit_is_posted(app):
    client = signed_in(app)
    author = make_member(app, "author@example.org", name="Author")
    path = f"/proposals/{make_proposal(app, author)}/discussion"
    token = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, "stance": "none", "body": "b" * 20_001})
    assert response.status_code == 422
    assert "Field cannot be longer than 20000 characters." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 0
    response = client.post(path, data={"csrf_token": token, "stance": "none", "body": "b" * 20_000})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contribution)) == 1


@pytest.mark.parametrize(
    ("model", "column", "limit"),
    [(Member, "display_name", 80), (Proposal, "title", 200)],
)
def test_the_database_itself_refuses_one_character_over_the_column(app, model, column, limit):
    # On SQLite only the CHECK constraint stops it; on PostgreSQL VARCHAR(n) does as well.
    now = datetime.now(UTC)
    author = make_member(app, "author@example.org")
    with app.app_context():
        author_id = db.session.scalar(select(Member.id).where(Member.public_id == author))
        rows = {
            Member: lambda value: Member(
                email=f"{len(value)}@example.org", display_name=value, password_hash="x",
                joined_on=now.date(), created_at=now,
            ),
            Proposal: lambda value: Proposal(
                kind="campaign", title=value, summary="s", body="b", author_id=author_id,
                created_at=now,
            ),
        }  # fmt: skip
        db.session.add(rows[model]("v" * limit))
        db.session.commit()
        db.session.add(rows[model]("v" * (limit + 1)))
        with pytest.raises((IntegrityError, DataError)):
            db.session.commit()
        db.session.rollback()
        too_long = func.length(getattr(model, column)) > limit
        assert db.session.scalar(select(func.count()).select_from(model).where(too_long)) == 0


# -- T19: every text field is bounded by the column it is stored in -------------------------

# Where each text field's value is stored. A field added to a form must be listed here or in
# NOT_STORED, so somebody decides its limit against the column.
STORED = {
    "auth.RegisterForm.display_name": [Member.display_name],
    "auth.RegisterForm.email": [Member.email],
    "auth.ProfileForm.display_name": [Member.display_name],
    "auth.ChangeEmailForm.new_email": [AccountToken.new_email],
    "auth.ApiTokenForm.name": [ApiToken.name],
    "admin.StatusForm.reason": [StatusChange.reason],
    "proposals.ProposalForm.title": [Proposal.title, ProposalTextVersion.title],
    "proposals.ProposalForm.summary": [Proposal.summary, ProposalTextVersion.summary],
    "proposals.ProposalForm.body": [Proposal.body, ProposalTextVersion.body],
    "proposals.RejectForm.reason": [Proposal.rejection_reason],
    "proposals.InvalidateForm.value": [AuditEntry.payload_json],  # the condition, audited
    "proposals.InvalidateForm.reason": [Signature.invalidation_reason],
    "proposals.HeldSignaturesForm.reason": [Signature.invalidation_reason],
    "debate.ContributionForm.body": [Contribution.body_markdown],
    "debate.FlagForm.reason": [Flag.reason],
    "debate.HideForm.reason": [Contribution.hidden_reason, ModerationAction.reason],
    "debate.ReasonForm.reason": [ModerationAction.reason],
    "debate.AppealForm.statement": [Appeal.statement],
    "debate.AppealDecisionForm.reason": [Appeal.decision_reason, ModerationAction.reason],
    "debate.DecisionForm.reason": [Amendment.decision_reason],
    "debate.AmendmentForm.title": [Amendment.proposed_title],
    "debate.AmendmentForm.summary": [Amendment.proposed_summary],
    "debate.AmendmentForm.body": [Amendment.proposed_body],
    "debate.AmendmentForm.reason": [Amendment.reason],
    "debate.CounterProposalForm.title": [CounterProposal.title],
    "debate.CounterProposalForm.body": [CounterProposal.body],
    "referendums.NewVoteForm.question": [Referendum.question],
    "referendums.NewVoteForm.description": [Referendum.description],
    "referendums.NewVoteForm.counter_text": [Referendum.counter_text],
    "referendums.ExtendForm.reason": [AuditEntry.payload_json],
    "proposals.RestoreForm.reason": [AuditEntry.payload_json],  # the restore, audited
    "referendums.DraftForm.question": [Referendum.question],
    "referendums.DraftForm.description": [Referendum.description],
    "rulebook.RuleSetForm.name": [RulebookVersion.content_json],
    "rulebook.RuleSetForm.reason": [RulebookVersion.reason],
    "rulebook.NewKindForm.slug": [Proposal.kind],
    "rulebook.NewKindForm.name": [RulebookVersion.content_json],
    "rulebook.NewKindForm.reason": [RulebookVersion.reason],
}

# Fields whose text is never stored as typed, and why.
NOT_STORED = {
    "auth.RegisterForm.password": "hashed",
    "auth.RegisterForm.password_confirm": "compared with password",
    "auth.LoginForm.email": "looked up",
    "auth.LoginForm.password": "verified against the hash",
    "auth.EmailOnlyForm.email": "looked up",
    "auth.NewPasswordForm.password": "hashed",
    "auth.NewPasswordForm.password_confirm": "compared with password",
    "auth.ChangePasswordForm.current_password": "verified against the hash",
    "auth.ChangeEmailForm.password": "verified against the hash",
    "auth.TwoFactorCodeForm.code": "compared with the expected code",
    "auth.DisableTwoFactorForm.password": "verified against the hash",
    "admin.StatusForm.seen_status": "compared with the current status, to refuse a stale save",
    "admin.RollUploadForm.roll_text": "parsed by core.roll: names and groups are cut to their "
    "columns, longer emails are refused",
    "admin.RollApplyForm.roll_text": "parsed by core.roll, as above",
    "proposals.InviteForm.emails": "split and looked up",
    "proposals.InvalidateForm.proposal": "looked up",
    "proposals.InvalidateForm.action": "compared with 'preview'",
    "referendums.NewVoteForm.options": "split into lines; the service refuses labels over 200",
    "referendums.ReceiptForm.receipt": "looked up",
    "rulebook.RuleSetForm.base_version": "parsed as a version number",
    "rulebook.RuleSetForm.turnout_quorum": "parsed as a percentage",
    "rulebook.RuleSetForm.approval_quorum": "parsed as a percentage",
    "rulebook.RuleSetForm.majority_custom": "parsed as a fraction",
    "rulebook.TierForm.percentage": "parsed as a percentage",
    "rulebook.TierForm.group_percentage": "parsed as a percentage",
    "rulebook.NewKindForm.base_version": "parsed as a version number",
    "amendment.AmendmentForm.kind": "must name an existing kind",
}

_CHECK = re.compile(r"length\((\w+)\)\s*<=\s*(\d+)")


def text_fields() -> dict[str, StringField]:
    """Every StringField-like field of every form, named by the class that declares it."""
    found = {}
    for info in pkgutil.iter_modules(deliberate.forms.__path__):
        module = importlib.import_module(f"deliberate.forms.{info.name}")
        for class_name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Form) or cls.__module__ != module.__name__:
                continue
            for name, unbound in vars(cls).items():
                if getattr(unbound, "field_class", None) and issubclass(
                    unbound.field_class, StringField
                ):
                    found[f"{info.name}.{class_name}.{name}"] = unbound
    return found


def form_max(unbound) -> int | None:
    validators = unbound.kwargs.get("validators") or []
    limits = [v.max for v in validators if isinstance(v, Length) and v.max >= 0]
    return min(limits) if limits else None


def column_max(column) -> int | None:
    """The most characters the column holds: VARCHAR(n) or a CHECK(length(...) <= n)."""
    table = column.class_.__table__ if hasattr(column, "class_") else column.table
    name = column.key
    limits = []
    length = getattr(table.columns[name].type, "length", None)
    if isinstance(table.columns[name].type, String) and length:
        limits.append(length)
    for constraint in table.constraints:
        match = _CHECK.search(str(getattr(constraint, "sqltext", "")))
        if match and match.group(1) == name:
            limits.append(int(match.group(2)))
    return min(limits) if limits else None


def test_every_text_field_is_reviewed_exactly_once():
    fields = set(text_fields())
    assert not set(STORED) & set(NOT_STORED)
    assert fields - set(STORED) - set(NOT_STORED) == set(), "new fields: say where they are stored"
    assert (set(STORED) | set(NOT_STORED)) - fields == set(), "these fields no longer exist"


def test_no_form_lets_through_more_than_its_column_holds():
    fields = text_fields()
    too_long = {}
    for key, columns in STORED.items():
        allowed = form_max(fields[key])
        assert allowed is not None, f"{key} is stored but has no Length(max=...)"
        for column in columns:
            limit = column_max(column)
            if limit is not None and allowed > limit:
                too_long[key] = (allowed, str(column), limit)
    assert too_long == {}


def test_the_sweep_sees_a_form_that_allows_more_than_its_column():
    # The check above must be able to fail: a title form allowing 201 against VARCHAR(200).
    assert column_max(Proposal.title) == 200
    assert column_max(Contribution.body_markdown) == 20_000  # Text, bounded by its CHECK
    assert column_max(Proposal.body) is None
    wide = StringField(validators=[Length(max=201)])
    assert form_max(wide) == 201 > column_max(Proposal.title)


def check_limit(column) -> int | None:
    """The n of the column's CHECK(length(...) <= n), which SQLite enforces; else None."""
    table = column.class_.__table__ if hasattr(column, "class_") else column.table
    for constraint in table.constraints:
        match = _CHECK.search(str(getattr(constraint, "sqltext", "")))
        if match and match.group(1) == column.key:
            return int(match.group(2))
    return None


def test_every_column_a_form_writes_has_its_length_checked_on_sqlite_too():
    # SQLite ignores VARCHAR(n): without a CHECK, only the form limits what is stored there
    # (and PostgreSQL would answer an over-long value from elsewhere with a 500).
    unchecked = {}
    for columns in STORED.values():
        for column in columns:
            table = column.class_.__table__ if hasattr(column, "class_") else column.table
            column_type = table.columns[column.key].type
            declared = (
                getattr(column_type, "length", None) if isinstance(column_type, String) else None
            )
            if declared and check_limit(column) != declared:
                unchecked[f"{table.name}.{column.key}"] = (declared, check_limit(column))
    assert unchecked == {}


def test_the_length_sweep_sees_a_column_without_its_check():
    # Member.email has both; ApiToken.token_hash (VARCHAR(64), never from a form) has none.
    assert check_limit(Member.email) == 254
    assert check_limit(ApiToken.token_hash) is None
