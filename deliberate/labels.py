"""What members read for a stored state, status or role, in their language.

Templates never print an enum's raw value: they use the ``label`` filter (registered with
the blueprints), forms use ``choices``, services put ``lazy_label(value)`` into their lazy
messages, so each label is translated where it is finally shown.
"""

from enum import Enum

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_babel.speaklater import LazyString

from deliberate.core.lifecycle import STATE_TEXT, State
from deliberate.core.rules.eligibility import MembershipStatus as RuleMembershipStatus
from deliberate.i18n import translate
from deliberate.models import (
    AmendmentState,
    AppealDecision,
    MembershipStatus,
    ModerationKind,
    OutboxStatus,
    ProposalState,
    ReferendumKind,
    ReferendumState,
    Role,
    VoteMethod,
)


def _membership_status(value: str) -> str:
    # A context of its own: "Lapsed" is also a proposal's state, which Spanish words apart.
    return {
        "active": pgettext("membership status", "Active"),
        "suspended": pgettext("membership status", "Suspended"),
        "lapsed": pgettext("membership status", "Lapsed"),
        "expelled": pgettext("membership status", "Expelled"),
    }[value]


MEMBERSHIP_STATUS = {
    value: LazyString(_membership_status, value)
    for value in ("active", "suspended", "lapsed", "expelled")
}

METHOD_LABELS = {
    VoteMethod.YES_NO: _l("Yes / no / abstain"),
    VoteMethod.SINGLE: _l("One of several options"),
    VoteMethod.APPROVAL: _l("Approval (tick every option you accept)"),
    VoteMethod.IRV: _l("Ranked, instant-runoff (one seat)"),
    VoteMethod.STV: _l("Ranked, single transferable vote (several seats)"),
    VoteMethod.SCHULZE: _l("Ranked, Schulze (a full ranking)"),
    VoteMethod.DOUBLE_YES: _l("Proposal and counter-proposal with a deciding question"),
}

_LABELS: dict[Enum, object] = {
    **{status: MEMBERSHIP_STATUS[status.value] for status in MembershipStatus},
    **{status: MEMBERSHIP_STATUS[status.value] for status in RuleMembershipStatus},
    Role.MODERATOR: _l("moderator"),
    Role.COMMITTEE: _l("committee"),
    Role.AUDITOR: _l("auditor"),
    ReferendumState.DRAFT: _l("Draft"),
    ReferendumState.OPEN: _l("Voting open"),
    ReferendumState.CLOSED: _l("Closed"),
    ReferendumKind.REFERENDUM: _l("Referendum"),
    ReferendumKind.ELECTION: _l("Election"),
    ReferendumKind.POLL: _l("Consultative poll"),
    **METHOD_LABELS,
    AmendmentState.OPEN: _l("Open"),
    AmendmentState.ACCEPTED: _l("Accepted"),
    AmendmentState.DECLINED: _l("Declined"),
    AppealDecision.UPHELD: _l("upheld"),
    AppealDecision.REJECTED: _l("rejected"),
    ModerationKind.HIDE: _l("hidden"),
    ModerationKind.UNHIDE: _l("shown again"),
    ModerationKind.DISMISS_FLAGS: _l("flags dismissed"),
    ModerationKind.APPEAL_UPHELD: _l("appeal upheld"),
    ModerationKind.APPEAL_REJECTED: _l("appeal rejected"),
    OutboxStatus.PENDING: _l("Waiting to be sent"),
    OutboxStatus.SENT: _l("Sent"),
    OutboxStatus.FAILED: _l("Not delivered"),
}


def label(value: Enum | None) -> str:
    """The member-facing name of a state, status, role or kind, in the current language."""
    if value is None:
        return ""
    if isinstance(value, ProposalState | State):
        return translate(STATE_TEXT[State(value.value)])
    text = _LABELS.get(value)
    return str(text) if text is not None else str(value.value).replace("_", " ")


def lazy_label(value: Enum) -> object:
    """Like ``label``, but translated only when shown (for messages built ahead of time)."""
    if isinstance(value, ProposalState | State):
        return LazyString(translate, STATE_TEXT[State(value.value)])
    return _LABELS.get(value, str(value.value).replace("_", " "))


def choices(enum: type[Enum]) -> list[tuple[str, object]]:
    """(value, lazy label) pairs for a form's select field."""
    return [(member.value, lazy_label(member)) for member in enum]
