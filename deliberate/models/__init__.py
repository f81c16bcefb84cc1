"""Database models, one module per aggregate. Importing this registers them all."""

from deliberate.models.account_token import AccountToken, TokenPurpose
from deliberate.models.amendment import Amendment, AmendmentState, CounterProposal
from deliberate.models.api_token import ApiToken
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
from deliberate.models.notification import Notification, NotificationPreference
from deliberate.models.outbox_message import OutboxMessage, OutboxStatus
from deliberate.models.proposal import (
    CoSponsor,
    HoldReason,
    Proposal,
    ProposalState,
    ProposalTextVersion,
    ProposalTransition,
    Signature,
    SignatureTally,
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
    "ApiToken",
    "Amendment",
    "AmendmentState",
    "Appeal",
    "AppealDecision",
    "Contribution",
    "ContributionRevision",
    "CoSponsor",
    "HoldReason",
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
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "OutboxStatus",
    "Option",
    "Participation",
    "Proposal",
    "ProposalState",
    "ProposalTextVersion",
    "ProposalTransition",
    "Signature",
    "SignatureTally",
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
