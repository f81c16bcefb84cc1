"""A closed vote with a few ballots per method, for the audit bundle, pages and API tests."""

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deliberate.extensions import db
from deliberate.models import VoteMethod
from deliberate.services import counting, referendums
from tests.voting import T0, cast, make_group, make_vote, make_voters

OPTIONS = ("Harbour Hall", "=Old Mill", "Station Square")
CLOSES = T0 + timedelta(days=7)


def choices_for(method: VoteMethod, slugs: list[str]) -> list[str]:
    """Five varied canonical choices for a method."""
    a, b, c = slugs
    return {
        VoteMethod.YES_NO: ["yes", "no", "yes", "abstain", "yes"],
        VoteMethod.SINGLE: [f"option:{a}", f"option:{b}", f"option:{a}", f"option:{c}"] * 1
        + [f"option:{a}"],
        VoteMethod.APPROVAL: [
            f"approve:{','.join(sorted([a, b]))}",
            f"approve:{a}",
            "approve:",
            f"approve:{','.join(sorted([b, c]))}",
            f"approve:{c}",
        ],
        VoteMethod.DOUBLE_YES: [
            "double:yes,yes,counter",
            "double:yes,no,initiative",
            "double:no,yes,counter",
            "double:yes,yes,none",
            "double:abstain,yes,counter",
        ],
    }.get(
        method,
        [f"rank:{a}>{b}>{c}", f"rank:{b}>{a}", f"rank:{c}", f"rank:{a}={b}>{c}", f"rank:{b}"],
    )


def closed_vote(app, method: VoteMethod = VoteMethod.YES_NO, *, prefix: str = "aud") -> str:
    """A vote of seven members in two groups (one without), five of whom voted; closed."""
    north = make_group(app, f"North{prefix}")
    make_voters(app, 3, prefix=f"{prefix}n", group_id=north)
    make_voters(app, 2, prefix=f"{prefix}s", group_id=make_group(app, f"South{prefix}"))
    make_voters(app, 2, prefix=f"{prefix}x")
    options = OPTIONS if method.has_options else ()
    counter = "A milder version" if method is VoteMethod.DOUBLE_YES else None
    vote = make_vote(app, method=method, options=options, closes_at=CLOSES, counter_text=counter)
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        slugs = [o.slug for o in referendum.options] or ["x", "y", "z"]
        from deliberate.models import Eligibility

        members = sorted(
            db.session.scalars(
                db.select(Eligibility.member_id).where(Eligibility.referendum_id == referendum.id)
            )
        )
    for member, choice in zip(members, choices_for(method, slugs), strict=False):
        cast(app, vote, member, choice)
    with app.app_context():
        counting.close_and_count(db.session, vote, CLOSES)
    return vote


def fixed_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def closed_vote_with(
    app,
    method: VoteMethod,
    choices: list[str],
    *,
    rules=None,
    seats: int = 1,
    groups: tuple[int, ...] = (3, 2),
    ungrouped: int = 2,
    prefix: str = "own",
) -> str:
    """A closed vote with these choices, rules and seats; ``groups`` gives each group's size.

    Choices name options as "a", "b", "c" (the slugs of OPTIONS, in order); the members
    cast them in member-id order, and the rest of the electorate does not vote.
    """
    for number, size in enumerate(groups):
        group = make_group(app, f"G{number}{prefix}")
        make_voters(app, size, prefix=f"{prefix}g{number}", group_id=group)
    make_voters(app, ungrouped, prefix=f"{prefix}x")
    options = OPTIONS if method.has_options else ()
    vote = make_vote(
        app, method=method, options=options, closes_at=CLOSES, rules=rules, seats=seats
    )
    with app.app_context():
        from deliberate.models import Eligibility

        referendum = referendums.get(db.session, vote)
        slugs = dict(zip("abc", (o.slug for o in referendum.options), strict=False))
        members = sorted(
            db.session.scalars(
                db.select(Eligibility.member_id).where(Eligibility.referendum_id == referendum.id)
            )
        )
    for member, choice in zip(members, choices, strict=False):
        kind, _, body = choice.partition(":")
        if body and kind in ("option", "approve", "rank"):
            choice = kind + ":" + "".join(slugs.get(ch, ch) for ch in body)
        cast(app, vote, member, choice)
    with app.app_context():
        counting.close_and_count(db.session, vote, CLOSES)
    return vote
