"""Who hears of a proposal's step, and in what words.

The author, the members whose signatures count, and (for the committee gate) the
committee, each in their own language and by their own choice of in-app and email
(services.notifications).
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.lifecycle import State
from deliberate.core.messages import N_
from deliberate.models import Proposal, Role, RoleGrant, Signature
from deliberate.services import notifications


def signer_ids(session: Session, proposal_id: int) -> list[int]:
    """Members whose signature on the proposal currently counts."""
    return list(
        session.scalars(
            select(Signature.member_id).where(
                Signature.proposal_id == proposal_id,
                Signature.withdrawn_at.is_(None),
                Signature.invalidated_at.is_(None),
                Signature.quarantined_at.is_(None),
            )
        )
    )


def committee_ids(session: Session) -> list[int]:
    """Every committee member."""
    return list(
        session.scalars(select(RoleGrant.member_id).where(RoleGrant.role == Role.COMMITTEE))
    )


# Msgids, written in each recipient's language by notifications.notify.
_AUTHOR_NOTICE = {
    State.COLLECTING: ("own_opened", N_("Your proposal “%(title)s” is open for signatures")),
    State.QUALIFIED: ("own_qualified", N_("Your proposal “%(title)s” qualified")),
    State.LAPSED: ("own_lapsed", N_("Your proposal “%(title)s” lapsed")),
    State.REJECTED: ("own_answered", N_("The committee rejected your proposal “%(title)s”")),
}
_SIGNER_NOTICE = {
    State.QUALIFIED: ("signed_qualified", N_("A proposal you signed qualified: “%(title)s”")),
    State.VOTING: ("signed_voting", N_("A proposal you signed is open for voting: “%(title)s”")),
    State.LAPSED: ("signed_closed", N_("A proposal you signed lapsed: “%(title)s”")),
    State.WITHDRAWN: ("signed_closed", N_("A proposal you signed was withdrawn: “%(title)s”")),
    State.PASSED: ("signed_closed", N_("A proposal you signed passed: “%(title)s”")),
    State.FAILED: ("signed_closed", N_("A proposal you signed did not pass: “%(title)s”")),
}
_REOPENED_AUTHOR_NOTICE = (
    "own_qualified",
    N_(
        "Signatures on your proposal “%(title)s” were invalidated: it no longer meets its "
        "threshold and is open for signatures again"
    ),
)
_REOPENED_SIGNER_NOTICE = (
    "signed_qualified",
    N_(
        "A proposal you signed no longer meets its threshold after signatures were "
        "invalidated, and is open for signatures again: “%(title)s”"
    ),
)


def notify_step(
    session: Session,
    proposal: Proposal,
    to: State,
    *,
    reopened: bool,
    path: str,
    now: datetime,
    base_url: str,
) -> None:
    """Tell the author, the signers and the committee what a step means for them.

    ``reopened``: back to collecting because invalidated signatures undid the
    qualification (services.threshold_reversal), which is news of its own.
    """
    common = {"now": now, "proposal_id": proposal.id, "path": path}
    author_notice, signer_notice = _AUTHOR_NOTICE.get(to), _SIGNER_NOTICE.get(to)
    if reopened:
        author_notice, signer_notice = _REOPENED_AUTHOR_NOTICE, _REOPENED_SIGNER_NOTICE
    if author_notice:
        kind, text = author_notice
        notifications.notify(
            session,
            member_ids=[proposal.author_id],
            kind=kind,
            text=_l(text, title=proposal.title),
            base_url=base_url,
            **common,
        )
    if signer_notice:
        kind, text = signer_notice
        notifications.notify(
            session,
            member_ids=signer_ids(session, proposal.id),
            kind=kind,
            text=_l(text, title=proposal.title),
            base_url=base_url,
            **common,
        )
    if to is State.AWAITING_COMMITTEE:
        notifications.notify(
            session,
            member_ids=committee_ids(session),
            kind="committee_gate",
            text=_l(
                "A proposal awaits the committee's decision: “%(title)s”", title=proposal.title
            ),
            base_url=base_url,
            **common,
        )
