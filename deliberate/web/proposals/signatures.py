"""Signing a proposal, and withdrawing a signature, while signatures are open."""

from functools import wraps

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from deliberate.core.errors import DeliberateError
from deliberate.database import read_outside_transaction
from deliberate.extensions import db, limiter
from deliberate.forms.proposals import EmptyForm, SignForm
from deliberate.i18n import error_message
from deliberate.models import utcnow
from deliberate.permissions import can_sign, requires
from deliberate.services import proposals, signable_proposal, signature_bursts, signing
from deliberate.services.signable_proposal import SignableProposal
from deliberate.services.signature_bursts import BurstCheck
from deliberate.web.proposals import _base_url, _get, bp, render_detail


def _sign_limit() -> str:
    return current_app.config["RATELIMIT_SIGN"]


def _burst_limits() -> signature_bursts.BurstLimits:
    """Signatures per hour on one proposal from one address or domain before they are held."""
    config = current_app.config
    return signature_bursts.BurstLimits(
        per_ip=config["SIGNATURE_QUARANTINE_PER_IP_PER_HOUR"],
        per_domain=config["SIGNATURE_QUARANTINE_PER_DOMAIN_PER_HOUR"],
    )


def _reads_outside_transaction(view):
    """The member's load and the proposal's read each commit alone (PostgreSQL).

    See database.read_outside_transaction: the signature's write is then its one
    statement (execute_alone), and no BEGIN or COMMIT goes to the server.
    """

    @wraps(view)
    def reading_alone(*args, **kwargs):
        read_outside_transaction(db.session)
        return view(*args, **kwargs)

    return reading_alone


@bp.post("/proposals/<ref>/sign")
@_reads_outside_transaction  # a surge's signature: four round trips to PostgreSQL, not seven
@requires(can_sign)
@limiter.limit(_sign_limit)
def sign(ref: str):
    signer = current_user._get_current_object()
    ip, now, limits = request.remote_addr, utcnow(), _burst_limits()
    burst = signing.burst_check(signer, ip, now, limits)
    proposal = _signable(ref, burst)
    # CSRFProtect has checked the token before the view ran; checking it again in the
    # form costs a signature surge a second HMAC and nothing in safety.
    form = SignForm(meta={"csrf": False})
    if not form.validate_on_submit():
        abort(400)
    try:
        signing.sign_with(
            db.session,
            proposal=proposal,
            signer=signer,
            show_name=bool(form.show_name.data),
            ip=ip,
            now=now,
            base_url=_base_url(),
            limits=limits,
        )
    except DeliberateError as error:
        db.session.rollback()
        return render_detail(_get(ref), status=error.status, sign_error=error_message(error))
    # The page says thank you when ?signed=1 and the viewer's signature is there, rather
    # than a flash: a flash rewrites the session cookie on every signature of a surge.
    return redirect(url_for(".detail", ref=ref, signed=1), 303)


def _signable(ref: str, burst: BurstCheck | None) -> SignableProposal:
    """The proposal as a plain row, moved on first if a deadline has passed (as _get does)."""
    proposal = signable_proposal.by_ref(db.session, ref, viewer_id=current_user.id, burst=burst)
    if proposals.is_due(proposal, utcnow()):
        _get(ref)  # the ORM path moves it on and commits
        proposal = signable_proposal.by_ref(db.session, ref, viewer_id=current_user.id, burst=burst)
    return proposal


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
