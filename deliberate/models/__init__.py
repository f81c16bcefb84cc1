"""Database models, one module per aggregate. Importing this registers them all."""

from deliberate.models.account_token import AccountToken, TokenPurpose
from deliberate.models.amendment import Amendment, AmendmentState, CounterProposal
from deliberate.models.audit_entry import AuditEntry
from deliberate.models.ballot import (
    Ballot,
    BallotCheckpoint,
    Eligibility,
    GroupTally,
    Participation,
)
from deliberate.models.base import Base, utcnow
from deliberate.models.discussion import (
    Appeal,
    AppealDecision,
    Contribution,
    ContributionRevision,
    Discussion,
    Endorsement,
    Flag,
    ModerationAction,
    ModerationKind,
    Stance,
)
from deliberate.models.local_group import LocalGroup
from deliberate.models.member import Member, MembershipStatus, Role, RoleGrant, StatusChange
from deliberate.models.outbox_message import OutboxMessage, OutboxStatus
from deliberate.models.proposal import (
    Proposal,
    ProposalState,
    ProposalTransition,
    Signature,
    ThresholdCrossing,
)
from deliberate.models.referendum import (
    Option,
    Referendum,
    ReferendumKind,
    ReferendumState,
    VoteMethod,
)
from deliberate.models.roll_entry import RollEntry
from deliberate.models.rulebook_version import RulebookVersion

__all__ = [
    "AccountToken",
    "Amendment",
    "AmendmentState",
    "Appeal",
    "AppealDecision",
    "Contribution",
    "ContributionRevision",
    "CounterProposal",
    "Discussion",
    "Endorsement",
    "Flag",
    "ModerationAction",
    "ModerationKind",
    "Stance",
    "AuditEntry",
    "Ballot",
    "BallotCheckpoint",
    "Eligibility",
    "GroupTally",
    "Base",
    "LocalGroup",
    "Member",
    "MembershipStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Option",
    "Participation",
    "Proposal",
    "ProposalState",
    "ProposalTransition",
    "Signature",
    "ThresholdCrossing",
    "Referendum",
    "ReferendumKind",
    "ReferendumState",
    "Role",
    "RoleGrant",
    "RollEntry",
    "RulebookVersion",
    "StatusChange",
    "TokenPurpose",
    "VoteMethod",
    "utcnow",
]
