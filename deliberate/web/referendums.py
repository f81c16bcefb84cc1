"""Votes: the list, a vote's page with its ballot, receipts, results and the ballot list.

Ballot, receipt and export pages are never cached (no-store). The receipt is shown once,
on the page that answers the vote, and never goes into a URL, a log or the session.
"""

from datetime import datetime
from fractions import Fraction

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from deliberate.core.errors import DeliberateError, PhaseError, ValidationError
from deliberate.core.localtime import local_text, local_to_utc, utc_to_local
from deliberate.core.rules import Eligibility, Majority, MembershipStatus, VoteRules
from deliberate.extensions import db, limiter
from deliberate.forms.ballots import RepeatedField, choice_from_form
from deliberate.forms.referendums import (
    LOCAL_FORMAT,
    METHOD_LABELS,
    DraftForm,
    ExtendForm,
    NewVoteForm,
    ReceiptForm,
)
from deliberate.i18n import error_message
from deliberate.models import Referendum, ReferendumKind, ReferendumState, VoteMethod, utcnow
from deliberate.permissions import can_run_votes, can_view_votes, can_vote, requires
from deliberate.services import (
    ballot_export,
    checkpoints,
    counting,
    groups,
    referendums,
    vote_drafts,
    voting,
)
from deliberate.web.forms_glue import attach_error
from deliberate.web.signed_in import signed_in_member
from deliberate.web.vote_charts import results_view

bp = Blueprint("referendums", __name__, url_prefix="/referendums")
NOT_RECORDED = _l("Your vote was NOT recorded. Please try again.")


def _zone() -> str:
    return current_app.config["ORG_TIMEZONE"]


@bp.app_template_filter("org_time")
def org_time(moment: datetime) -> str:
    """A UTC instant in the organisation's zone, with its offset."""
    return local_text(moment, _zone())


@bp.app_errorhandler(OperationalError)
def database_busy(error: OperationalError):
    """A database held busy past the timeout: nothing was written; say so and ask to retry."""
    db.session.rollback()
    # Render as nobody: asking who is signed in would wait on the busy database again.
    g._login_user = current_app.login_manager.anonymous_user()
    message = (
        NOT_RECORDED
        if request.endpoint == "referendums.vote"
        else _("The database is busy, so nothing was saved. Please try again in a moment.")
    )
    page = render_template("referendums/busy.html", message=message)
    g.retry_after = 2  # seconds; kept over the rate limiter's own value
    return page, 503, {"Retry-After": "2", "Cache-Control": "no-store"}


def _no_store(body, status: int = 200) -> Response:
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _load(public_id: str) -> Referendum:
    """The vote, brought up to date with the clock (pages evaluate deadlines on read)."""
    referendum = referendums.get(db.session, public_id)
    now = utcnow()
    is_due = (referendum.state is ReferendumState.DRAFT and referendum.opens_at <= now) or (
        referendum.state is ReferendumState.OPEN and now >= referendum.closes_at
    )
    if not is_due:
        return _visible(referendum)
    try:
        if referendum.state is ReferendumState.DRAFT:
            referendums.open_if_due(db.session, public_id, now)
        else:
            counting.close_and_count(
                db.session, public_id, now, base_url=current_app.config["BASE_URL"]
            )
    except PhaseError:
        db.session.rollback()  # someone else opened or closed it first
    return _visible(referendums.get(db.session, public_id))


def _visible(referendum: Referendum) -> Referendum:
    """The vote, unless it is a draft and the viewer may not run votes (404)."""
    if referendum.state is ReferendumState.DRAFT and not can_run_votes(current_user):
        abort(404)
    return referendum


def _countdown(referendum: Referendum, now: datetime) -> str:
    target = referendum.closes_at if referendum.state is ReferendumState.OPEN else None
    if target is None or now >= target:
        return ""
    left = target - now
    days, hours, minutes = left.days, left.seconds // 3600, left.seconds % 3600 // 60
    return _("Closes in %(d)s days, %(h)s hours and %(m)s minutes", d=days, h=hours, m=minutes)


def _detail(referendum: Referendum, *, error: str | None = None, status: int = 200, **forms):
    member_id = current_user.id
    context = {
        "referendum": referendum,
        "method_label": METHOD_LABELS[referendum.method],
        "head_digest": checkpoints.head_digest(db.session, referendum),
        "checkpoint_count": len(checkpoints.checkpoints(db.session, referendum)),
        "has_voted": voting.has_voted(db.session, referendum, member_id),
        "is_eligible": voting.is_eligible(db.session, referendum, member_id),
        "is_open": referendum.is_open_at(utcnow()),
        "countdown": _countdown(referendum, utcnow()),
        "ballot_error": error,
        "posted": request.form if request.method == "POST" else {},
        "receipt_form": forms.get("receipt_form") or ReceiptForm(),
        "extend_form": forms.get("extend_form") or ExtendForm(),
        "draft_form": forms.get("draft_form")
        or DraftForm(question=referendum.question, description=referendum.description),
    }
    return _no_store(render_template("referendums/detail.html", **context), status)


@bp.get("/")
@requires(can_view_votes)
def index():
    return render_template("referendums/index.html", votes=referendums.listing(db.session))


@bp.get("/<public_id>")
@requires(can_view_votes)
def detail(public_id: str):
    return _detail(_load(public_id))


@bp.post("/<public_id>/vote")
@requires(can_vote)
def vote(public_id: str):
    referendum = _load(public_id)
    try:
        choice = choice_from_form(referendum, request.form)
        receipt = voting.cast_ballot(
            db.session,
            referendum_id=public_id,
            member_id=current_user.id,
            choice=choice,
            now=utcnow(),
        )
    except RepeatedField:
        abort(400)
    except voting.AlreadyVoted as error:
        return _detail(referendum, error=error_message(error), status=409)
    except ValidationError as error:
        db.session.rollback()
        return _detail(referendum, error=error_message(error), status=422)
    page = render_template("referendums/receipt.html", referendum=referendum, receipt=receipt)
    return _no_store(page, 201)


def _receipt_limit() -> str:
    return current_app.config["RATELIMIT_RECEIPT"]


@bp.post("/<public_id>/receipt")
@requires(can_view_votes)
@limiter.limit(_receipt_limit)
def check_receipt(public_id: str):
    referendum = referendums.get(db.session, public_id)
    form = ReceiptForm()
    if not form.validate_on_submit():
        return _detail(referendum, status=422, receipt_form=form)
    found = voting.check_receipt(db.session, public_id, form.receipt.data)
    labels = {o.slug: o.label for o in referendum.options}
    words = ballot_export.choice_words(found.choice, labels) if found.choice else None
    page = render_template(
        "referendums/receipt_check.html", referendum=referendum, found=found, words=words
    )
    return _no_store(page)


@bp.get("/<public_id>/results")
@requires(can_view_votes)
def results(public_id: str):
    referendum = _load(public_id)
    result = counting.result(referendum)
    if result is None:
        abort(404)  # no running tallies before the close, for anyone (T35)
    return render_template(
        "referendums/results.html",
        referendum=referendum,
        result=result,
        view=results_view(referendum, result),
        head_digest=checkpoints.head_digest(db.session, referendum),
        min_group=counting.MIN_GROUP_VOTERS,
    )


@bp.get("/<public_id>/ballots")
@requires(can_view_votes)
def ballots(public_id: str):
    referendum = _load(public_id)
    try:
        rows = list(ballot_export.board(db.session, referendum))
    except DeliberateError:
        abort(404)
    page = render_template(
        "referendums/ballots.html",
        referendum=referendum,
        rows=rows,
        chain=checkpoints.checkpoints(db.session, referendum),
    )
    return _no_store(page)


@bp.get("/<public_id>/ballots.csv")
@requires(can_view_votes)
def ballots_csv(public_id: str):
    referendum = _load(public_id)
    try:
        body = ballot_export.ballots_csv(db.session, referendum)
    except DeliberateError:
        abort(404)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="ballots-{public_id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the committee ----------------------------------------------------------------------


def _local(value: datetime | None, field: str) -> datetime:
    if value is None:
        raise ValidationError(_("Enter a date and time."), field=field)
    return local_to_utc(value, _zone(), field=field)


def _spec(form: NewVoteForm) -> vote_drafts.VoteSpec:
    method = VoteMethod(form.method.data)
    rules = None
    if method in (VoteMethod.YES_NO, VoteMethod.DOUBLE_YES):
        share = Fraction(form.majority.data)
        quorum = form.turnout_quorum.data
        rules = VoteRules(
            majority=Majority(share, is_strict=share == Fraction(1, 2)),
            turnout_quorum=Fraction(quorum, 100) if quorum else None,
        )
    statuses = frozenset(MembershipStatus(s) for s in form.statuses.data or ["active"])
    return vote_drafts.VoteSpec(
        kind=ReferendumKind(form.kind.data),
        method=method,
        question=form.question.data,
        options=tuple((form.options.data or "").splitlines()),
        opens_at=_local(form.opens_at.data, "opens_at"),
        closes_at=_local(form.closes_at.data, "closes_at"),
        eligibility=Eligibility(
            statuses=statuses,
            min_membership_days=form.min_membership_days.data or 0,
            group=form.group.data or None,
        ),
        rules=rules,
        seats=form.seats.data or 1,
        description=form.description.data or "",
        counter_text=form.counter_text.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires(can_run_votes)
def new():
    form = NewVoteForm()
    form.group.choices = [("", _("All members"))] + [
        (name, name) for _id, name in groups.choices(db.session)
    ]
    if request.method == "GET":
        now = utc_to_local(utcnow(), _zone()).replace(tzinfo=None, second=0, microsecond=0)
        form.opens_at.data = now
    if form.validate_on_submit():
        try:
            made = vote_drafts.create(
                db.session, _spec(form), actor=signed_in_member(), now=utcnow()
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error, "question")
        else:
            flash(_("The vote is created."), "success")
            return redirect(url_for("referendums.detail", public_id=made.public_id))
    status = 422 if request.method == "POST" else 200
    return render_template("referendums/new.html", form=form, local_format=LOCAL_FORMAT), status


@bp.post("/<public_id>/open")
@requires(can_run_votes)
def open_now(public_id: str):
    referendums.open_now(db.session, public_id, actor=signed_in_member(), now=utcnow())
    flash(_("Voting is open. The electorate and the definition are frozen."), "success")
    return redirect(url_for("referendums.detail", public_id=public_id))


@bp.post("/<public_id>/edit")
@requires(can_run_votes)
def edit(public_id: str):
    referendum = referendums.get(db.session, public_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return _detail(referendum, status=422, draft_form=form)
    vote_drafts.update_draft(
        db.session,
        public_id,
        question=form.question.data,
        description=form.description.data or "",
        actor=signed_in_member(),
        now=utcnow(),
        expected_version=form.version.data,  # a save from a stale page is refused (T11)
    )
    flash(_("The draft is saved."), "success")
    return redirect(url_for("referendums.detail", public_id=public_id))


@bp.post("/<public_id>/extend")
@requires(can_run_votes)
def extend(public_id: str):
    referendum = referendums.get(db.session, public_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            referendums.extend_closing(
                db.session,
                public_id,
                new_closes_at=_local(form.closes_at.data, "closes_at"),
                reason=form.reason.data,
                actor=signed_in_member(),
                now=utcnow(),
            )
        except ValidationError as error:
            db.session.rollback()
            attach_error(form, error, "closes_at")
        else:
            flash(_("The closing time is extended and recorded in the audit log."), "success")
            return redirect(url_for("referendums.detail", public_id=public_id))
    return _detail(referendum, status=422, extend_form=form)
