"""Signing a proposal, and withdrawing a signature, while signatures are open."""

from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from deliberate.core.errors import DeliberateError
from deliberate.database import read_outside_transaction
from deliberate.extensions import db, limiter
from deliberate.forms.proposals import EmptyForm, SignForm
from deliberate.i18n import error_message
from deliberate.models import utcnow
from deliberate.permissions import can_sign, requires
from deliberate.services import (
    proposals,
    signable_proposal,
    signature_bursts,
    signature_read,
    signed_in,
    signing,
)
from deliberate.services.signable_proposal import SignableProposal
from deliberate.services.signature_bursts import BurstCheck
from deliberate.services.signed_in import SignedInMember
from deliberate.web.member_loading import loads_member_with
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
    """The signature's read commits alone (PostgreSQL), before the member's load runs it.

    On PostgreSQL the member's load reads the proposal too (_load_signer_with_proposal).
    See database.read_outside_transaction: the signature's write is then its one
    statement (execute_alone), and no BEGIN or COMMIT goes to the server.
    """

    @wraps(view)
    def reading_alone(*args, **kwargs):
        read_outside_transaction(db.session)
        return view(*args, **kwargs)

    return reading_alone


def _load_signer_with_proposal(session_token: str) -> SignedInMember | None:
    """The sign view's member loader: on PostgreSQL, the member and the proposal in one read.

    What was read besides the member waits on ``g`` for the view (services.signature_read).
    """
    # After a failed read (a lock timeout, T06), the error page asks for the member
    # again: it gets the member alone, as every other request does.
    if db.session.get_bind().dialect.name != "postgresql" or "signature_read_failed" in g:
        return signed_in.by_session_token(db.session, session_token)
    try:
        found = signature_read.read(
            db.session,
            token=session_token,
            ref=request.view_args["ref"],
            ip=request.remote_addr,
            now=utcnow(),
            limits=_burst_limits(),
        )
    except SQLAlchemyError:
        g.signature_read_failed = True
        raise
    if found is None:
        return None
    g.signature_read = found
    return found.signer


loads_member_with("proposals.sign", _load_signer_with_proposal)


@bp.post("/proposals/<ref>/sign")
@_reads_outside_transaction  # a surge's signature: three round trips to PostgreSQL, not seven
@requires(can_sign)
@limiter.limit(_sign_limit)
def sign(ref: str):
    signer = current_user._get_current_object()
    found = g.pop("signature_read", None)
    if found is not None and found.signer is signer:
        burst = found.burst
        proposal = _signable(ref, burst, read_with_member=found.proposal)
    else:
        burst = signing.burst_check(signer, request.remote_addr, utcnow(), _burst_limits())
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
            ip=burst.ip,
            now=burst.now,
            base_url=_base_url(),
            limits=burst.limits,
        )
    except DeliberateError as error:
        db.session.rollback()
        return render_detail(_get(ref), status=error.status, sign_error=error_message(error))
    # The page says thank you when ?signed=1 and the viewer's signature is there, rather
    # than a flash: a flash rewrites the session cookie on every signature of a surge.
    return redirect(url_for(".detail", ref=ref, signed=1), 303)


def _signable(
    ref: str, burst: BurstCheck, read_with_member: SignableProposal | None = None
) -> SignableProposal:
    """The proposal as a plain row, moved on first if a deadline has passed (as _get does).

    ``read_with_member``: the proposal as the member's load read it (PostgreSQL), or
    None when that read found none.
    """
    viewer_id = current_user.id
    if read_with_member is not None:
        proposal = signable_proposal.visible(read_with_member, viewer_id)
    else:
        proposal = signable_proposal.by_ref(db.session, ref, viewer_id=viewer_id, burst=burst)
    if proposals.is_due(proposal, burst.now):
        _get(ref)  # the ORM path moves it on and commits
        proposal = signable_proposal.by_ref(db.session, ref, viewer_id=viewer_id, burst=burst)
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
