"""Proposals: browse, draft, co-sponsor, sign and withdraw, and the committee gate.

Every form works without JavaScript. Pages that show a proposal first move it on if a
deadline has passed (advance_if_due), so no page is ever stale between cron runs.

Split by job into drafts.py (draft, edit, register, invite, co-sponsor, withdraw),
signatures.py (sign, unsign) and gate.py (the committee's admit or reject), which add
their routes to the one blueprint defined here, beside the browse list and the
proposal page they all come back to.
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
from deliberate.core.errors import DeliberateError
from deliberate.extensions import db
from deliberate.forms.proposals import EmptyForm, InviteForm, RejectForm, SignForm
from deliberate.i18n import error_message
from deliberate.models import ProposalState, utcnow
from deliberate.permissions import can_sign, public
from deliberate.services import (
    groups,
    markdown,
    proposal_progress,
    proposal_views,
    proposals,
    rulebook,
    signing,
)
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


def _get(ref: str):
    proposal = proposals.get_by_ref(db.session, ref, viewer_id=_viewer_id())
    proposals.advance_if_due(db.session, proposal, utcnow(), _base_url())
    return proposal


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
        progress=proposal_progress.progress(session, proposal, now),
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


from deliberate.web.proposals import drafts, gate, signatures  # noqa: E402, F401
