"""What a counted vote does: its proposal passes or fails, a rule change is enacted,
and those concerned are told.

services.counting calls these as it closes a vote, in its transaction (the rule change
after its commit: an amendment that cannot be enacted is logged, not a failed count).
"""

import json
import logging
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_
from deliberate.core.rules import rulebook_from_dict
from deliberate.i18n import in_language, translate
from deliberate.models import (
    Member,
    Proposal,
    ProposalState,
    ProposalTransition,
    Referendum,
    Role,
    RoleGrant,
    Signature,
)
from deliberate.services import mail, rulebook

log = logging.getLogger(__name__)


def finish_proposal(session, proposal: Proposal, referendum, summary: dict, now) -> None:
    """A proposal in voting passes or fails with its referendum, on its timeline."""
    if proposal.state is not ProposalState.VOTING:
        return
    to_state = ProposalState.PASSED if summary.get("is_passed") else ProposalState.FAILED
    session.add(
        ProposalTransition(
            proposal_id=proposal.id,
            from_state=proposal.state,
            to_state=to_state,
            at=now,
            cause=N_(
                "Referendum %(ref)s: %(verdict)s",
                ref=referendum.public_id,
                verdict=summary["verdict"],
            ),
        )
    )
    proposal.state = to_state
    proposal.closed_at = now


def enact(session: Session, referendum: Referendum, now: datetime) -> None:
    """A passed rule change becomes the new rulebook version."""

    try:
        rulebook.enact_amendment(
            session,
            rulebook=rulebook_from_dict(json.loads(referendum.amendment_json)),
            kind=referendum.amendment_kind,
            referendum_ref=f"referendum:{referendum.public_id}",
            now=now,
        )
    except ValidationError as error:
        session.rollback()
        log.warning("referendum %s: amendment not enacted: %s", referendum.public_id, error.message)


def _recipients(session: Session, proposal: Proposal | None) -> dict[str, str | None]:
    """Who is told the result: email -> the language they read (None: the default)."""
    committee = session.execute(
        select(Member.email, Member.language)
        .join(RoleGrant, RoleGrant.member_id == Member.id)
        .where(RoleGrant.role == Role.COMMITTEE)
    )
    emails = {email: language for email, language in committee}
    if proposal is not None:
        emails[proposal.author.email] = proposal.author.language
        signers = session.execute(
            select(Member.email, Member.language)
            .join(Signature, Signature.member_id == Member.id)
            .where(
                Signature.proposal_id == proposal.id,
                Signature.withdrawn_at.is_(None),
                Signature.invalidated_at.is_(None),
                Signature.quarantined_at.is_(None),
            )
        )
        emails.update({email: language for email, language in signers})
    return emails


def notify(session, referendum: Referendum, proposal, verdict, *, base_url: str, now) -> None:
    """Mail the result to the committee, and to the author and signers of its proposal."""
    link = f"{base_url}/referendums/{referendum.public_id}/results"
    written: dict[str | None, tuple[str, str]] = {}  # each language's wording, made once
    for email, language in sorted(_recipients(session, proposal).items()):
        if language not in written:
            with in_language(language):
                written[language] = (
                    gettext("Result: %(question)s", question=referendum.question),
                    gettext(
                        "Voting has closed on: %(question)s\n\n%(verdict)s\n\n"
                        "The full result, the ballot list and the checkpoints are at %(link)s\n",
                        question=referendum.question,
                        verdict=translate(verdict),
                        link=link,
                    ),
                )
        subject, body = written[language]
        mail.queue(session, to=email, subject=subject, body=body, now=now)
