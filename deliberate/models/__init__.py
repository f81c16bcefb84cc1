"""Database models, one module per aggregate. Importing this registers them all."""

from deliberate.models.account_token import AccountToken, TokenPurpose
from deliberate.models.audit_entry import AuditEntry
from deliberate.models.base import Base, utcnow
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
from deliberate.models.roll_entry import RollEntry
from deliberate.models.rulebook_version import RulebookVersion

__all__ = [
    "AccountToken",
    "AuditEntry",
    "Base",
    "LocalGroup",
    "Member",
    "MembershipStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Proposal",
    "ProposalState",
    "ProposalTransition",
    "Signature",
    "ThresholdCrossing",
    "Role",
    "RoleGrant",
    "RollEntry",
    "RulebookVersion",
    "StatusChange",
    "TokenPurpose",
    "utcnow",
]
