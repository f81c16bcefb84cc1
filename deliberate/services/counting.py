"""Closing a vote and counting it: the final checkpoint, the tally, the verdict.

What the result then does (the proposal's end, a rule change enacted, the news) is
services.vote_consequences.

Nothing is counted before the close, for anyone (T35). Counting itself is core.tally and
core.rules; this module only loads the ballots, calls them and stores the result once.
Groups with fewer than MIN_GROUP_VOTERS voters are counted but never shown (T40): in a
small group a result would reveal how its members voted.
"""

import json
from datetime import datetime
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deliberate.core import messages
from deliberate.core.ballot_chain import decode_choice
from deliberate.core.errors import PhaseError
from deliberate.core.messages import N_
from deliberate.core.rules import VoteRules, evaluate_vote
from deliberate.core.rules._format import percent_text
from deliberate.core.rules.voting import describe_majority
from deliberate.core.tally import Ballot as TallyBallot
from deliberate.core.tally import Profile, double_yes, recount, yes_no
from deliberate.database import begin_write
from deliberate.models import (
    Ballot,
    Eligibility,
    GroupTally,
    LocalGroup,
    Participation,
    Proposal,
    Referendum,
    ReferendumState,
    VoteMethod,
)
from deliberate.services import audit_log, ballot_lock, checkpoints, referendums, vote_consequences

MIN_GROUP_VOTERS = 5
_RECOUNT_METHOD = {
    VoteMethod.SINGLE: "plurality",
    VoteMethod.APPROVAL: "approval",
    VoteMethod.IRV: "irv",
    VoteMethod.STV: "stv",
    VoteMethod.SCHULZE: "schulze",
}


def result(referendum: Referendum) -> dict | None:
    """The stored result, after the close only."""
    if referendum.state is not ReferendumState.CLOSED or referendum.result_json is None:
        return None
    return json.loads(referendum.result_json)


# --- loading ----------------------------------------------------------------------------


def _choice_counts(session: Session, referendum: Referendum) -> dict[str, int]:
    """Ballots per distinct choice, counted by the database (GROUP BY), never row by row.

    Every method counts from these: a ballot is its choice string and nothing else, so
    n ballots with one choice count exactly as n copies of it (core.tally takes counts).
    The bundle and the recount CSV still read every row, for the auditors.
    """
    rows = session.execute(
        select(Ballot.choice, func.count())
        .where(Ballot.referendum_id == referendum.id)
        .group_by(Ballot.choice)
    )
    return {choice: n for choice, n in rows}


def _participation_by_group(session: Session, referendum: Referendum) -> dict[int, int]:
    rows = session.execute(
        select(Eligibility.local_group_id, func.count())
        .join(
            Participation,
            (Participation.referendum_id == Eligibility.referendum_id)
            & (Participation.member_id == Eligibility.member_id),
        )
        .where(Eligibility.referendum_id == referendum.id)
        .group_by(Eligibility.local_group_id)
    )
    return {group_id: n for group_id, n in rows if group_id is not None}


def _group_counters(session: Session, referendum: Referendum) -> dict[str, dict[str, int]]:
    rows = session.execute(
        select(LocalGroup.name, GroupTally.choice, GroupTally.count)
        .join(LocalGroup, LocalGroup.id == GroupTally.local_group_id)
        .where(GroupTally.referendum_id == referendum.id)
    )
    counters: dict[str, dict[str, int]] = {}
    for name, choice, count in rows:
        counters.setdefault(name, {})[choice] = count
    return counters


# --- counting ---------------------------------------------------------------------------


def _fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _outcome_dict(outcome, rules: VoteRules, voters_by_group: dict[str, int]) -> dict:
    checks = [
        {
            "name": "Turnout quorum",
            "required": None
            if rules.turnout_quorum is None
            else percent_text(rules.turnout_quorum),
            "actual": percent_text(outcome.turnout, rules.turnout_quorum),
            "is_met": outcome.is_turnout_met,
        },
        {
            "name": "Approval quorum",
            "required": None
            if rules.approval_quorum is None
            else percent_text(rules.approval_quorum),
            "actual": percent_text(Fraction(outcome.yes, outcome.electorate or 1)),
            "is_met": outcome.is_approval_met,
        },
        {
            "name": "Majority",
            "required": describe_majority(rules.majority),
            "actual": "—" if outcome.yes_share is None else percent_text(outcome.yes_share),
            "is_met": outcome.is_majority_met,
        },
    ]
    if outcome.is_group_majority_met is not None:
        approved = sum(1 for g in outcome.groups if g.is_approved)
        checks.append(
            {
                "name": "Majority of local groups",
                "required": f"more than half of {len(outcome.groups)}",
                "actual": f"{approved} approved",
                "is_met": outcome.is_group_majority_met,
            }
        )
    return {
        "tally": {"yes": outcome.yes, "no": outcome.no, "abstain": outcome.abstain},
        "yes_share": None if outcome.yes_share is None else _fraction(outcome.yes_share),
        "is_passed": outcome.is_passed,
        "verdict": outcome.verdict,
        "checks": checks,
        "groups": [_group_row(g, voters_by_group.get(g.group, 0)) for g in outcome.groups],
    }


def _group_row(group, voters: int) -> dict:
    if voters < MIN_GROUP_VOTERS:
        return {"group": group.group, "is_suppressed": True}
    return {
        "group": group.group,
        "is_suppressed": False,
        "voters": voters,
        "yes": group.yes,
        "no": group.no,
        "abstain": group.abstain,
        "is_approved": group.is_approved,
    }


def _count_yes_no(referendum, choices, rules, electorate, counters, voters_by_group) -> dict:
    totals = yes_no.count_grouped(choices.items())
    yes, no, abstain = totals.yes, totals.no, totals.abstain
    by_group = None
    if rules.has_double_majority:
        by_group = {
            g: (c.get("yes", 0), c.get("no", 0), c.get("abstain", 0)) for g, c in counters.items()
        }
    outcome = evaluate_vote(rules, electorate, yes, no, abstain, by_group)
    return _outcome_dict(outcome, rules, voters_by_group)


def _count_double_yes(referendum, choices, rules, electorate, counters, voters_by_group) -> dict:
    totals = double_yes.count_grouped(choices.items())
    groups = None
    if rules.has_double_majority:
        groups = {g: double_yes.counts_from_counters(c) for g, c in counters.items()}
    parts = {}
    for which in ("initiative", "counter"):
        votes = getattr(totals, which)
        by_group = None if groups is None else {g: getattr(c, which) for g, c in groups.items()}
        parts[which] = evaluate_vote(rules, electorate, *votes, by_group)
    decision = double_yes.decide(
        parts["initiative"].is_passed, parts["counter"].is_passed, totals, groups
    )
    if decision.winner is None:
        verdict = N_("Nothing changes: %(reason)s.", reason=decision.reason)
    else:
        text = (
            N_("The initiative") if decision.winner == "initiative" else N_("The counter-proposal")
        )
        verdict = N_("%(text)s comes into force: %(reason)s.", text=text, reason=decision.reason)
    return {
        "initiative": _outcome_dict(parts["initiative"], rules, voters_by_group),
        "counter": _outcome_dict(parts["counter"], rules, voters_by_group),
        "deciding": {
            "initiative": totals.prefer_initiative,
            "counter": totals.prefer_counter,
            "none": totals.no_preference,
            "groups": None
            if decision.groups_preferring is None
            else list(decision.groups_preferring),
            "is_tied": decision.is_tied,
        },
        "winner": decision.winner,
        "is_passed": decision.winner == "initiative",
        "verdict": verdict,
    }


def _profile(referendum: Referendum, choices: dict[str, int]) -> Profile:
    counts: dict[tuple, int] = {}
    for choice, n in choices.items():
        kind, value = decode_choice(choice)
        if isinstance(value, str):
            ranks: tuple = (frozenset({value}),)
        elif isinstance(value, frozenset):
            ranks = (value,) if value else ()
        else:
            ranks = tuple(frozenset(level) for level in value)
        counts[ranks] = counts.get(ranks, 0) + n
    candidates = tuple(option.slug for option in referendum.options)
    ballots = sorted(counts.items(), key=lambda item: repr([sorted(r) for r in item[0]]))
    return Profile(candidates, tuple(TallyBallot(ranks, n) for ranks, n in ballots))


def _names(slugs, labels: dict[str, str]) -> str:
    names = [labels[s] for s in slugs]
    if len(names) == 1:
        return names[0]
    return N_("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def _count_options(referendum: Referendum, choices: dict[str, int], turnout_text: str) -> dict:
    summary = recount(
        _profile(referendum, choices), _RECOUNT_METHOD[referendum.method], referendum.seats
    )
    labels = {o.slug: o.label for o in referendum.options}
    winners, tied = summary["winners"], summary.get("tied", [])
    turnout = turnout_text
    if tied and winners:
        verdict = N_(
            "Tied: %(tied)s have equal support; elected outright: %(winners)s. The committee "
            "settles the tie by the published rule (%(turnout)s).",
            tied=_names(tied, labels),
            winners=_names(winners, labels),
            turnout=turnout,
        )
    elif tied:
        verdict = N_(
            "Tied: %(tied)s have equal support. The committee settles the tie by the "
            "published rule (%(turnout)s).",
            tied=_names(tied, labels),
            turnout=turnout,
        )
    elif not winners:
        verdict = N_("No one was elected: no valid ballots (%(turnout)s).", turnout=turnout)
    elif referendum.seats > 1:
        verdict = N_(
            "Elected, in order of election: %(names)s (%(turnout)s).",
            names=_names(winners, labels),
            turnout=turnout,
        )
    else:
        verdict = N_("Chosen: %(name)s (%(turnout)s).", name=labels[winners[0]], turnout=turnout)
    return {"count": summary, "labels": labels, "is_passed": None, "verdict": verdict}


def tally(session: Session, referendum: Referendum) -> dict:
    """Count every ballot of a vote whose final checkpoint is sealed."""
    choices = _choice_counts(session, referendum)
    electorate = referendum.electorate_size or 0
    voted = session.scalar(
        select(func.count())
        .select_from(Participation)
        .where(Participation.referendum_id == referendum.id)
    )
    turnout = Fraction(voted, electorate) if electorate else Fraction(0)
    turnout_text = N_(
        "%(voted)s of %(electorate)s members voted, %(turnout)s turnout",
        voted=voted,
        electorate=electorate,
        turnout=percent_text(turnout),
    )
    base = {
        "method": referendum.method.value,
        "ballots": sum(choices.values()),
        "participation": voted,
        "electorate": electorate,
        "turnout": _fraction(turnout),
        "turnout_text": turnout_text,
    }
    rules = referendums.vote_rules(referendum) or VoteRules()
    if referendum.method in (VoteMethod.YES_NO, VoteMethod.DOUBLE_YES):
        names = {g.id: g.name for g in session.scalars(select(LocalGroup))}
        voters = {names[g]: n for g, n in _participation_by_group(session, referendum).items()}
        counters = _group_counters(session, referendum) if rules.has_double_majority else {}
        count = _count_yes_no if referendum.method is VoteMethod.YES_NO else _count_double_yes
        return _keep_messages(
            base | count(referendum, choices, rules, electorate, counters, voters)
        )
    return _keep_messages(base | _count_options(referendum, choices, turnout_text))


# Sentences a result stores in English (the record), kept also as messages so that pages
# and mail can say them in each reader's language (i18n.stored_text).
_SENTENCES = ("verdict", "turnout_text")


def _keep_messages(part: dict) -> dict:
    for key in _SENTENCES:
        data = messages.to_data(part.get(key))
        if data is not None:
            part[f"{key}_message"] = data
    for text in ("initiative", "counter"):  # a double yes judges each text on its own
        if isinstance(part.get(text), dict):
            _keep_messages(part[text])
    return part


# --- closing ----------------------------------------------------------------------------


def close_and_count(
    session: Session, referendum_id: str, now: datetime, *, base_url: str = ""
) -> Referendum:
    """Seal the final checkpoint, count, store the result and verdict, tell those concerned."""
    begin_write(session)
    ballot_lock.as_sealer(session, referendums.get(session, referendum_id).id)
    referendum = referendums.get(session, referendum_id, for_update=True)
    if referendum.state is ReferendumState.CLOSED:
        raise PhaseError(_l("This vote has already been counted."))
    if referendum.state is not ReferendumState.OPEN or now < referendum.closes_at:
        raise PhaseError(_l("Voting is still open, so nothing can be counted yet."))
    checkpoints.seal(session, referendum, now=now, closing=True)
    session.flush()
    summary = tally(session, referendum)
    referendum.result_json = json.dumps(summary, sort_keys=True, ensure_ascii=False)
    referendum.verdict = summary["verdict"]
    referendum.state = ReferendumState.CLOSED
    referendum.closed_at = now
    audit_log.record(
        session,
        actor=None,
        action="referendum.closed",
        payload={
            "referendum": referendum.public_id,
            "head_digest": checkpoints.head_digest(session, referendum),
            "ballots": summary["ballots"],
            "verdict": summary["verdict"],
        },
        now=now,
    )
    proposal = session.get(Proposal, referendum.proposal_id) if referendum.proposal_id else None
    if proposal is not None:
        vote_consequences.finish_proposal(session, proposal, referendum, summary, now)
    vote_consequences.notify(
        session, referendum, proposal, summary["verdict"], base_url=base_url, now=now
    )
    session.commit()
    if proposal is not None and summary.get("is_passed") and referendum.amendment_json:
        vote_consequences.enact(session, referendum, now)
    return referendum
