"""Who may do what: named predicates, used by view decorators and templates alike.

Every view declares its policy with @public or @requires(predicate); a test walks the URL
map and fails for any route without one, so each new route needs an explicit decision.
"""

import logging
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_fresh

from deliberate.models import MembershipStatus, Role

log = logging.getLogger(__name__)


def is_signed_in(user) -> bool:
    """Any authenticated account, whatever its status."""
    return bool(user and user.is_authenticated)


def is_active_member(user) -> bool:
    """Signed in, email confirmed, and membership active."""
    return is_signed_in(user) and user.is_verified and user.status == MembershipStatus.ACTIVE


def is_committee(user) -> bool:
    """Holds the committee role."""
    return is_signed_in(user) and Role.COMMITTEE in user.roles


def is_moderator(user) -> bool:
    """Holds the moderator role."""
    return is_signed_in(user) and Role.MODERATOR in user.roles


def is_auditor(user) -> bool:
    """Holds the auditor role."""
    return is_signed_in(user) and Role.AUDITOR in user.roles


def can_manage_members(user) -> bool:
    """Change statuses and roles, import the roll: the committee only."""
    return is_committee(user)


def can_view_audit_log(user) -> bool:
    """Read the audit log: the committee and auditors."""
    return is_committee(user) or is_auditor(user)


def can_edit_rulebook(user) -> bool:
    """Save new rulebook versions and add proposal kinds: the committee only."""
    return is_committee(user)


def can_take_part(user) -> bool:
    """Post, reply, endorse, flag, amend: active confirmed members; auditors only observe."""
    return is_active_member(user) and not is_auditor(user)


def can_moderate(user) -> bool:
    """Hide and restore contributions, decide appeals: active moderators."""
    return is_active_member(user) and is_moderator(user)


def can_see_hidden(user) -> bool:
    """Read the original text of hidden contributions: moderators and auditors."""
    return is_moderator(user) or is_auditor(user)


def can_put_counter_proposal(user) -> bool:
    """Put the committee's counter-proposal beside a members' proposal: the committee."""
    return is_committee(user)


def can_view_votes(user) -> bool:
    """Read votes, their digests and, after the close, results and ballot lists: signed in."""
    return is_signed_in(user)


def can_vote(user) -> bool:
    """Cast a ballot (the frozen electorate decides the rest): active members, not auditors."""
    return is_active_member(user) and Role.AUDITOR not in user.roles


def can_run_votes(user) -> bool:
    """Create elections and polls, open drafts, extend closing times: the committee only."""
    return is_committee(user)


def can_propose(user) -> bool:
    """Draft, register and co-sponsor proposals: active confirmed members, not auditors."""
    return is_active_member(user) and not is_auditor(user)


def can_sign(user) -> bool:
    """Sign proposals (the frozen rules decide the rest): active members, not auditors."""
    return is_active_member(user) and not is_auditor(user)


def can_decide_gate(user) -> bool:
    """Admit or reject proposals at the committee gate: the committee."""
    return is_committee(user)


def can_review_signatures(user) -> bool:
    """See signature bursts and invalidate signatures by a stated condition: the committee."""
    return is_committee(user)


PREDICATES: dict[str, Callable] = {
    fn.__name__: fn
    for fn in (
        is_signed_in,
        is_active_member,
        is_committee,
        is_moderator,
        is_auditor,
        can_manage_members,
        can_view_audit_log,
        can_edit_rulebook,
        can_take_part,
        can_moderate,
        can_see_hidden,
        can_put_counter_proposal,
        can_view_votes,
        can_vote,
        can_run_votes,
        can_propose,
        can_sign,
        can_decide_gate,
        can_review_signatures,
    )
}


def _must_enrol_two_factor(user) -> bool:
    """True when the configuration demands two-factor sign-in for this user's roles."""
    if user.has_two_factor or not user.roles:
        return False
    required = {r.strip() for r in current_app.config["REQUIRE_TWO_FACTOR_ROLES"].split(",")}
    return bool({r.value for r in user.roles} & required)


def public(view: Callable) -> Callable:
    """Anyone, signed in or not, may use this view."""
    view.policy = "public"  # type: ignore[attr-defined]
    return view


def requires(predicate: Callable) -> Callable:
    """Sign-in first, then the predicate; 403 for a signed-in user who fails it."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            # The user itself, not the proxy: each read of current_user looks it up again.
            user = current_user._get_current_object()
            if not user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not predicate(user):
                # Who and where, for the committee's review (T36); %r keeps a crafted path
                # on one line (T25). No form data, no query string.
                log.warning(
                    "403: member %s lacks %s for %s %r",
                    user.public_id,
                    predicate.__name__,
                    request.method,
                    request.path,
                )
                abort(403)
            if predicate is not is_signed_in and _must_enrol_two_factor(user):
                flash(_("Your role requires two-factor sign-in. Set it up to continue."), "error")
                return redirect(url_for("auth.two_factor"))
            return view(*args, **kwargs)

        guarded.policy = predicate.__name__  # type: ignore[attr-defined]
        return guarded

    return decorate


def requires_fresh_login(then: str) -> Callable:
    """Only with a password given in this session, not a remembered or changed one (T36).

    Use below @requires. A session restored from the remember-me cookie, or one whose
    address and browser changed (session protection), is not fresh: the view does
    nothing and sends the member to sign in again, then back to the page ``then`` (an
    endpoint taking the view's arguments), since the POST itself is not replayed.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            if not login_fresh():
                log.info(
                    "re-authentication asked of member %s for %s %r",
                    current_user.public_id,
                    request.method,
                    request.path,
                )
                flash(_("Sign in again to confirm it is you. Nothing was changed."), "error")
                return redirect(url_for("auth.login", next=url_for(then, **kwargs)))
            return view(*args, **kwargs)

        return guarded

    return decorate
