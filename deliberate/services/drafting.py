"""Drafting a proposal: text and versions, registration (freezing the rules), co-sponsors."""

import secrets
from dataclasses import replace
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deliberate.core import lifecycle
from deliberate.core.errors import (
    ConflictError,
    NotEligibleError,
    NotFoundError,
    PhaseError,
    ValidationError,
)
from deliberate.core.lifecycle import State
from deliberate.core.messages import N_, join
from deliberate.core.rules import (
    CountedUntil,
    RuleSet,
    canonical_json,
    check_eligibility,
    ruleset_hash,
)
from deliberate.core.text import clean_line, normalise_email
from deliberate.database import begin_write
from deliberate.i18n import lazy
from deliberate.labels import lazy_label
from deliberate.models import (
    CoSponsor,
    LocalGroup,
    Member,
    Proposal,
    ProposalState,
    ProposalTextVersion,
    ProposalTransition,
)
from deliberate.services import markdown, notifications, rulebook
from deliberate.services.proposals import frozen_ruleset, lock, path_of, transition

MAX_BODY = 20_000
MAX_INVITES = 20


def _clean_text(title: str, summary: str, body: str) -> tuple[str, str, str]:
    title, summary = clean_line(title or ""), clean_line(summary or "")
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not title:
        raise ValidationError(_l("Give the proposal a title."), field="title")
    if len(title) > 200:
        raise ValidationError(_l("Keep the title to 200 characters."), field="title")
    if not summary:
        raise ValidationError(_l("Summarise the proposal in a sentence or two."), field="summary")
    if len(summary) > 1000:
        raise ValidationError(_l("Keep the summary to 1,000 characters."), field="summary")
    if not body:
        raise ValidationError(_l("Write the text of the proposal."), field="body")
    if len(body) > MAX_BODY:
        raise ValidationError(
            _l("Keep the text to %(n)s characters.", n=lazy(MAX_BODY)), field="body"
        )
    return title, summary, body


def _check_group(session: Session, group_id: int | None) -> int | None:
    if not group_id:
        return None
    if session.get(LocalGroup, group_id) is None:
        raise ValidationError(_l("Choose one of the local groups."), field="local_group")
    return group_id


def member_reasons(ruleset: RuleSet, member, proposal, on: date) -> list[str]:
    """Why ``member`` may not take part in ``proposal`` under its rules (empty: may).

    ``member`` is a ``Member`` or a ``signed_in.SignedInMember``, ``proposal`` a
    ``Proposal`` or a ``signing.SignableProposal``: each has the fields read here.
    """
    rules = ruleset.eligibility
    if proposal.local_group_name is not None and rules.group is None:
        rules = replace(rules, group=proposal.local_group_name)
    return check_eligibility(
        rules, member.status.value, member.joined_on, member.local_group_name, on
    )


def counted_until(ruleset: RuleSet, proposal: Proposal, today: date) -> date:
    """The date up to which membership is counted for signing (see CountedUntil)."""
    if (
        ruleset.eligibility.counted_until is CountedUntil.SIGNATURES_OPEN
        and proposal.signatures_open_at is not None
    ):
        return proposal.signatures_open_at.date()
    return today


def record_text_version(session: Session, proposal: Proposal, now: datetime) -> None:
    """Render the proposal's current text and keep it as version `proposal.text_version`."""
    proposal.body_html = markdown.render(proposal.body)
    session.add(
        ProposalTextVersion(
            proposal_id=proposal.id,
            number=proposal.text_version,
            title=proposal.title,
            summary=proposal.summary,
            body=proposal.body,
            body_html=proposal.body_html,
            created_at=now,
        )
    )


def create_draft(
    session: Session,
    *,
    author: Member,
    kind: str,
    title: str,
    summary: str,
    body: str,
    local_group_id: int | None,
    now: datetime,
) -> Proposal:
    """Start a draft of ``kind``; only its author sees it until it is registered."""
    begin_write(session)
    if kind not in rulebook.current_rulebook(session).rulesets:
        raise ValidationError(_l("Choose one of the kinds of proposal."), field="kind")
    title, summary, body = _clean_text(title, summary, body)
    proposal = Proposal(
        kind=kind,
        title=title,
        summary=summary,
        body=body,
        author_id=author.id,
        local_group_id=_check_group(session, local_group_id),
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    record_text_version(session, proposal, now)
    session.add(
        ProposalTransition(
            proposal_id=proposal.id,
            from_state=None,
            to_state=ProposalState.DRAFT,
            at=now,
            cause=N_("Drafted"),
            actor_id=author.id,
        )
    )
    session.commit()
    return proposal


def _own(session: Session, proposal_id: int, author_id: int) -> Proposal:
    proposal = lock(session, proposal_id)
    if proposal.author_id != author_id:
        # To anyone else an author's control is simply not there (T34), as for drafts.
        raise NotFoundError(_l("Only the proposal's author can do that."))
    return proposal


def edit(
    session: Session,
    *,
    proposal_id: int,
    author_id: int,
    title: str,
    summary: str,
    body: str,
    local_group_id: int | None,
    now: datetime,
) -> Proposal:
    """Save a new version of the text; refused once signatures have opened."""
    begin_write(session)
    proposal = _own(session, proposal_id, author_id)
    if State(proposal.state.value) not in lifecycle.EDITABLE:
        raise PhaseError(
            _l(
                "The text is frozen: signatures have opened, so members know what they sign. "
                "Earlier versions stay visible on the proposal page."
            )
        )
    title, summary, body = _clean_text(title, summary, body)
    group_id = _check_group(session, local_group_id)
    if proposal.state != ProposalState.DRAFT and group_id != proposal.local_group_id:
        raise PhaseError(_l("The local group can only be changed while it is a draft."))
    if (title, summary, body, group_id) == (
        proposal.title,
        proposal.summary,
        proposal.body,
        proposal.local_group_id,
    ):
        raise ValidationError(_l("Nothing has changed, so no new version was saved."))
    proposal.title, proposal.summary, proposal.body = title, summary, body
    proposal.local_group_id = group_id
    proposal.text_version += 1
    session.flush()
    session.refresh(proposal, ["local_group"])
    record_text_version(session, proposal, now)
    session.commit()
    return proposal


def register(
    session: Session, *, proposal_id: int, author_id: int, now: datetime, base_url: str = ""
) -> Proposal:
    """Leave draft: freeze this kind's rules (version, JSON, hash) and take the first step."""
    begin_write(session)
    proposal = _own(session, proposal_id, author_id)
    if proposal.state != ProposalState.DRAFT:
        raise PhaseError(_l("This proposal has already been registered."))
    version = rulebook.current_version(session, now=now)
    ruleset = rulebook.rulebook_of(version).rulesets.get(proposal.kind)
    if ruleset is None:
        raise PhaseError(
            _l(
                "The rulebook no longer has the kind “%(kind)s”; start a new proposal.",
                kind=proposal.kind,
            )
        )
    reasons = member_reasons(ruleset, proposal.author, proposal, now.date())
    if reasons:
        raise NotEligibleError(
            _l("You cannot register this proposal: %(reasons)s.", reasons=lazy(join(reasons)))
        )
    proposal.rulebook_version_id = version.id
    proposal.ruleset_json = canonical_json(ruleset)
    proposal.ruleset_hash = ruleset_hash(ruleset)
    proposal.registered_at = now
    transition(
        session,
        proposal,
        lifecycle.after_registration(ruleset),
        now=now,
        actor=proposal.author,
        base_url=base_url,
    )
    session.commit()
    return proposal


def cosponsor_count(session: Session, proposal_id: int) -> int:
    """How many members co-sponsor the proposal."""
    return (
        session.scalar(
            select(func.count()).select_from(CoSponsor).where(CoSponsor.proposal_id == proposal_id)
        )
        or 0
    )


def check_invitation(proposal: Proposal, token: str) -> None:
    """NotFoundError unless ``token`` is this proposal's invitation secret."""
    if not secrets.compare_digest(proposal.cosponsor_token.encode(), (token or "").encode()):
        raise NotFoundError(_l("This invitation link is not valid."))


def cosponsor(
    session: Session,
    *,
    proposal_id: int,
    token: str,
    member_id: int,
    now: datetime,
    base_url: str = "",
) -> Proposal:
    """Back the proposal as a co-sponsor; the last one needed moves it on."""
    begin_write(session)
    proposal = lock(session, proposal_id)
    check_invitation(proposal, token)
    if proposal.state != ProposalState.SEEKING_COSPONSORS:
        raise PhaseError(
            _l(
                "This proposal is at the stage “%(state)s”; it no longer needs co-sponsors.",
                state=lazy_label(proposal.state),
            )
        )
    if proposal.author_id == member_id:
        raise ValidationError(_l("You are the author; co-sponsors are other members."))
    ruleset = frozen_ruleset(proposal)
    member = session.get(Member, member_id)
    reasons = member_reasons(ruleset, member, proposal, now.date())
    if reasons:
        raise NotEligibleError(
            _l("You cannot co-sponsor this proposal: %(reasons)s.", reasons=lazy(join(reasons)))
        )
    try:
        with session.begin_nested():
            session.add(
                CoSponsor(
                    proposal_id=proposal.id,
                    member_id=member_id,
                    text_version=proposal.text_version,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise ConflictError(_l("You already co-sponsor this proposal.")) from None
    if cosponsor_count(session, proposal.id) >= ruleset.co_sponsors:
        transition(
            session,
            proposal,
            lifecycle.after_cosponsors(ruleset),
            now=now,
            base_url=base_url,
        )
    session.commit()
    return proposal


def invite(
    session: Session,
    *,
    proposal_id: int,
    author_id: int,
    emails: str,
    now: datetime,
    base_url: str = "",
) -> int:
    """Invite members by email address to co-sponsor; returns how many addresses were read.

    Only members get the invitation; the author is not told which addresses belong to
    members, so the form cannot be used to probe who is one.
    """
    begin_write(session)
    proposal = _own(session, proposal_id, author_id)
    if proposal.state != ProposalState.SEEKING_COSPONSORS:
        raise PhaseError(_l("Invitations can be sent while the proposal seeks co-sponsors."))
    addresses = {normalise_email(a) for a in emails.replace(",", " ").split() if a.strip()}
    if not addresses:
        raise ValidationError(_l("Enter at least one email address."), field="emails")
    if len(addresses) > MAX_INVITES or any("@" not in a for a in addresses):
        raise ValidationError(
            _l("Enter up to %(n)s email addresses, separated by spaces or commas.", n=MAX_INVITES),
            field="emails",
        )
    ids = list(
        session.scalars(
            select(Member.id).where(Member.email.in_(addresses), Member.id != author_id)
        )
    )
    notifications.notify(
        session,
        member_ids=ids,
        kind="cosponsor_invitation",
        text=_l(
            "%(name)s invites you to co-sponsor “%(title)s”",
            name=proposal.author.display_name,
            title=proposal.title,
        ),
        now=now,
        proposal_id=proposal.id,
        path=f"{path_of(proposal)}/cosponsor/{proposal.cosponsor_token}",
        base_url=base_url,
    )
    session.commit()
    return len(addresses)
