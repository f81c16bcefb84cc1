"""Proposals: browse, draft, co-sponsor, sign and withdraw, and the committee gate.

Every form works without JavaScript. Pages that show a proposal first move it on if a
deadline has passed (advance_if_due), so no page is ever stale between cron runs.
"""

from flask import (
    Blueprint,
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

from deliberate import labels
from deliberate.core.errors import DeliberateError, NotFoundError
from deliberate.extensions import db, limiter
from deliberate.forms.proposals import EmptyForm, InviteForm, ProposalForm, RejectForm, SignForm
from deliberate.i18n import error_message
from deliberate.models import ProposalState, utcnow
from deliberate.permissions import can_decide_gate, can_propose, can_sign, public, requires
from deliberate.services import (
    committee_gate,
    drafting,
    groups,
    markdown,
    proposal_views,
    proposals,
    rulebook,
    signature_bursts,
    signing,
)
from deliberate.web.forms_glue import attach_error
from deliberate.web.pagination import paginate

bp = Blueprint("proposals", __name__)

NOT_RECORDED = _("The database is busy. Your signature was NOT recorded, please try again.")
HELD_MESSAGE = _l(
    "Thank you: your signature is recorded. Many signatures came from your connection "
    "in a short time, so it will be counted after a routine check by the committee."
)


@bp.errorhandler(OperationalError)
def database_busy(error: OperationalError):
    """A database held busy past its timeout: nothing was written; say so, ask to retry."""
    db.session.rollback()
    message = NOT_RECORDED
    if request.endpoint != "proposals.sign":
        message = _("The database is busy, so nothing was saved. Please try again in a moment.")
    page = render_template("errors/error.html", status=503, title=_("Busy"), message=message)
    g.retry_after = 2  # seconds; kept over the rate limiter's own value
    return page, 503, {"Retry-After": "2", "Cache-Control": "no-store"}


def _base_url() -> str:
    return current_app.config["BASE_URL"]


def _viewer_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _get(ref: str, *, alone: bool = False):
    proposal = proposals.get_by_ref(db.session, ref, viewer_id=_viewer_id(), alone=alone)
    proposals.advance_if_due(db.session, proposal, utcnow(), _base_url())
    return proposal


def _sign_limit() -> str:
    return current_app.config["RATELIMIT_SIGN"]


def _burst_limits() -> signature_bursts.BurstLimits:
    """Signatures per hour on one proposal from one address or domain before they are held."""
    config = current_app.config
    return signature_bursts.BurstLimits(
        per_ip=config["SIGNATURE_QUARANTINE_PER_IP_PER_HOUR"],
        per_domain=config["SIGNATURE_QUARANTINE_PER_DOMAIN_PER_HOUR"],
    )


def _propose_limit() -> str:
    return current_app.config["RATELIMIT_PROPOSE"]


def _member_key() -> str:
    return f"member:{_viewer_id()}"


@bp.app_template_filter("proposal_html")
def proposal_html(html: str | None):
    """A proposal's stored, sanitised HTML, cleaned again as it is shown."""
    return markdown.as_markup(html, leave_url=url_for("main.leave"))


@bp.app_context_processor
def proposal_helpers():
    return {"state_text": labels.label}


@bp.get("/proposals")
@public
def index():
    args = request.args
    sort = args.get("sort", "newest")
    if sort not in proposal_views.SORTS:
        abort(400)
    try:
        state = ProposalState(args["state"]) if args.get("state") else None
    except ValueError:
        abort(400)
    group = args.get("group", "")
    if group and not group.isdigit():
        abort(400)
    query = (args.get("q") or "").strip()[:100]
    kind = (args.get("kind") or "").strip()[:40]
    proposals.advance_due(db.session, now=utcnow(), base_url=_base_url())
    statement = proposal_views.browse(
        db.session, state=state, kind=kind, group_id=int(group or 0), query=query, sort=sort
    )
    return render_template(
        "proposals/index.html",
        page=paginate(statement, per_page=20),
        filters={"state": args.get("state", ""), "kind": kind, "group": group, "q": query},
        sort=sort,
        sorts=proposal_views.SORTS,
        states=[s for s in ProposalState if s is not ProposalState.DRAFT],
        kinds=sorted(rulebook.current_rulebook(db.session).rulesets.items()),
        groups=groups.choices(db.session),
    )


def _proposal_form(form: ProposalForm) -> ProposalForm:
    book = rulebook.current_rulebook(db.session)
    form.kind.choices = [(kind, rules.name) for kind, rules in book.rulesets.items()]
    form.local_group.choices = [(0, _("— every local group —"))] + groups.choices(db.session)
    return form


@bp.route("/proposals/new", methods=["GET", "POST"])
@requires(can_propose)
@limiter.limit(_propose_limit, methods=["POST"], key_func=_member_key)
def new():
    form = _proposal_form(ProposalForm())
    if form.validate_on_submit():
        try:
            proposal = drafting.create_draft(
                db.session,
                author=current_user,
                kind=form.kind.data,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                local_group_id=form.local_group.data or None,
                now=utcnow(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Your draft is saved. Only you can see it until you register it."), "success")
            return redirect(url_for(".detail", ref=proposal.public_id), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/new.html", form=form), status


def render_detail(proposal, *, status: int = 200, sign_error: str | None = None, **forms):
    """The proposal page, optionally with an error beside the sign button."""
    now = utcnow()
    session = db.session
    viewer_id = _viewer_id()
    signature = signing.signature_of(session, proposal.id, viewer_id) if viewer_id else None
    reasons = []
    if viewer_id and can_sign(current_user):
        reasons = signing.reasons_not_to_sign(session, proposal, current_user, now)
    return render_template(
        "proposals/detail.html",
        notices=_signed_notice(signature),
        proposal=proposal,
        now=now,
        is_author=viewer_id == proposal.author_id,
        progress=proposal_views.progress(session, proposal, now),
        timeline=proposal_views.timeline(session, proposal),
        versions=proposal_views.versions(session, proposal),
        cosponsors=proposal_views.cosponsors(session, proposal),
        signers=proposal_views.public_signers(session, proposal),
        rules=proposal_views.frozen_rules(session, proposal),
        ruleset=proposals.frozen_ruleset(proposal),
        signature=signature,
        reasons=reasons,
        sign_error=sign_error,
        sign_form=forms.get("sign_form") or SignForm(),
        action_form=EmptyForm(),
        invite_form=forms.get("invite_form") or InviteForm(),
        reject_form=forms.get("reject_form") or RejectForm(),
        invite_url=_base_url().rstrip("/")
        + url_for(".cosponsor", ref=proposal.public_id, token=proposal.cosponsor_token),
    ), status


def _signed_notice(signature) -> list[tuple[str, str]]:
    """The thank-you after signing (sign redirects here with ?signed=1), as a flash reads."""
    if request.args.get("signed") != "1" or signature is None:
        return []
    if signature.withdrawn_at is not None or signature.invalidated_at is not None:
        return []
    if signature.quarantined_at is not None:
        return [("success", HELD_MESSAGE)]
    return [("success", _("Thank you: your signature is recorded."))]


@bp.get("/proposals/<ref>")
@public
def detail(ref: str):
    return render_detail(_get(ref))


def _author_only(proposal) -> None:
    if proposal.author_id != current_user.id:
        raise NotFoundError(_("Only the proposal's author can do that."))


@bp.route("/proposals/<ref>/edit", methods=["GET", "POST"])
@requires(can_propose)
def edit(ref: str):
    proposal = _get(ref)
    _author_only(proposal)
    form = _proposal_form(ProposalForm(obj=proposal))
    if request.method == "GET":
        form.local_group.data = proposal.local_group_id or 0
    form.kind.data = proposal.kind
    if form.validate_on_submit():
        try:
            drafting.edit(
                db.session,
                proposal_id=proposal.id,
                author_id=current_user.id,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                local_group_id=form.local_group.data or None,
                now=utcnow(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Saved as version %(n)d.", n=proposal.text_version), "success")
            return redirect(url_for(".detail", ref=ref), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("proposals/edit.html", form=form, proposal=proposal), status


def _simple_action(ref: str, action, message: str, **kwargs):
    """Run a one-button action (register, withdraw...) and come back to the proposal."""
    proposal = _get(ref)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(db.session, proposal_id=proposal.id, now=utcnow(), **kwargs)
    except DeliberateError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return render_detail(proposal, status=error.status)
    flash(message, "success")
    return redirect(url_for(".detail", ref=ref), 303)


@bp.post("/proposals/<ref>/register")
@requires(can_propose)
def register(ref: str):
    return _simple_action(
        ref,
        drafting.register,
        _("Registered. The rules in force now are frozen for this proposal."),
        author_id=current_user.id,
        base_url=_base_url(),
    )


@bp.post("/proposals/<ref>/withdraw")
@requires(can_propose)
def withdraw(ref: str):
    return _simple_action(
        ref,
        proposals.withdraw,
        _("The proposal is withdrawn."),
        author_id=current_user.id,
        base_url=_base_url(),
    )


@bp.post("/proposals/<ref>/invite")
@requires(can_propose)
def invite(ref: str):
    proposal = _get(ref)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            count = drafting.invite(
                db.session,
                proposal_id=proposal.id,
                author_id=current_user.id,
                emails=form.emails.data,
                now=utcnow(),
                base_url=_base_url(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error, "emails")
            return render_detail(proposal, status=error.status, invite_form=form)
        flash(_("Invitations sent to the members among %(n)d address(es).", n=count), "success")
        return redirect(url_for(".detail", ref=ref), 303)
    return render_detail(proposal, status=422, invite_form=form)


@bp.route("/proposals/<ref>/cosponsor/<token>", methods=["GET", "POST"])
@requires(can_propose)
def cosponsor(ref: str, token: str):
    proposal = _get(ref)
    drafting.check_invitation(proposal, token)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            drafting.cosponsor(
                db.session,
                proposal_id=proposal.id,
                token=token,
                member_id=current_user.id,
                now=utcnow(),
                base_url=_base_url(),
            )
        except DeliberateError as error:
            db.session.rollback()
            form.form_errors.append(error_message(error))
            page = render_template("proposals/cosponsor.html", proposal=proposal, form=form)
            return page, error.status
        flash(_("Thank you: you co-sponsor this proposal."), "success")
        return redirect(url_for(".detail", ref=ref), 303)
    return render_template("proposals/cosponsor.html", proposal=proposal, form=form)


@bp.post("/proposals/<ref>/sign")
@requires(can_sign)
@limiter.limit(_sign_limit)
def sign(ref: str):
    proposal = _get(ref, alone=True)
    # CSRFProtect has checked the token before the view ran; checking it again in the
    # form costs a signature surge a second HMAC and nothing in safety.
    form = SignForm(meta={"csrf": False})
    if not form.validate_on_submit():
        abort(400)
    try:
        signing.sign(
            db.session,
            proposal_id=proposal.id,
            member_id=current_user.id,
            show_name=bool(form.show_name.data),
            ip=request.remote_addr,
            now=utcnow(),
            base_url=_base_url(),
            limits=_burst_limits(),
        )
    except DeliberateError as error:
        db.session.rollback()
        return render_detail(proposal, status=error.status, sign_error=error_message(error))
    # The page says thank you when ?signed=1 and the viewer's signature is there, rather
    # than a flash: a flash rewrites the session cookie on every signature of a surge.
    return redirect(url_for(".detail", ref=ref, signed=1), 303)


@bp.post("/proposals/<ref>/unsign")
@requires(can_sign)
def unsign(ref: str):
    proposal = _get(ref)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        signing.withdraw(
            db.session, proposal_id=proposal.id, member_id=current_user.id, now=utcnow()
        )
    except DeliberateError as error:
        db.session.rollback()
        return render_detail(proposal, status=error.status, sign_error=error_message(error))
    flash(_("Your signature is withdrawn. You can sign again while signatures are open."))
    return redirect(url_for(".detail", ref=ref), 303)


@bp.post("/proposals/<ref>/admit")
@requires(can_decide_gate)
def admit(ref: str):
    return _simple_action(
        ref,
        committee_gate.admit,
        _("Admitted: signatures are open. The decision is in the audit log."),
        actor=current_user,
        base_url=_base_url(),
    )


@bp.post("/proposals/<ref>/reject")
@requires(can_decide_gate)
def reject(ref: str):
    proposal = _get(ref)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            committee_gate.reject(
                db.session,
                proposal_id=proposal.id,
                reason=form.reason.data,
                actor=current_user,
                now=utcnow(),
                base_url=_base_url(),
            )
        except DeliberateError as error:
            db.session.rollback()
            attach_error(form, error, "reason")
            return render_detail(proposal, status=error.status, reject_form=form)
        flash(_("Rejected. The reason is shown publicly and is in the audit log."), "success")
        return redirect(url_for(".detail", ref=ref), 303)
    return render_detail(proposal, status=422, reject_form=form)
