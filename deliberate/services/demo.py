"""The demo organisation for `flask seed-demo`: groups, hundreds of members, one login per role.

The demo logins exist only in demo data; nothing else creates them.
"""

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.models import LocalGroup, Member, MembershipStatus, Role, RoleGrant, StatusChange
from deliberate.services import audit_log, passwords

DEMO_PASSWORD = "deliberate-demo"
DEMO_LOGINS = {
    "member@demo.deliberate.test": ("Maya Member", None),
    "moderator@demo.deliberate.test": ("Mo Moderator", Role.MODERATOR),
    "committee@demo.deliberate.test": ("Chris Committee", Role.COMMITTEE),
    "auditor@demo.deliberate.test": ("Ada Auditor", Role.AUDITOR),
}
GROUPS = [
    "Bristol",
    "Cardiff",
    "Glasgow",
    "Leeds",
    "Liverpool",
    "London North",
    "London South",
    "Manchester",
    "Newcastle",
    "Norwich",
]
FIRST = [
    "Aisha",
    "Ben",
    "Catrin",
    "Dev",
    "Eilidh",
    "Femi",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
    "Kiran",
    "Lena",
    "Marek",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Sade",
    "Tom",
    "Una",
    "Viktor",
    "Wen",
    "Yusuf",
    "Zara",
]
LAST = [
    "Ahmed",
    "Brown",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Gill",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Roberts",
    "Singh",
    "Taylor",
    "Walker",
    "Wright",
    "Young",
]


def is_seeded(session: Session) -> bool:
    """True when the demo logins already exist."""
    return (
        session.execute(
            select(Member.id).where(Member.email == "committee@demo.deliberate.test")
        ).first()
        is not None
    )


def seed(session: Session, *, now: datetime, members: int = 400, seed_value: int = 2017) -> int:
    """Create the demo organisation; returns how many members were made."""
    rng = random.Random(seed_value)
    groups = [LocalGroup(name=name, slug=name.lower().replace(" ", "-")) for name in GROUPS]
    session.add_all(groups)
    session.flush()
    demo_hash = passwords.hash_password(DEMO_PASSWORD)
    # Ordinary demo members cannot sign in: they share the hash of a secret nobody knows.
    locked_hash = passwords.hash_password(secrets.token_urlsafe(24))
    made = []
    for email, (name, role) in DEMO_LOGINS.items():
        member = Member(
            email=email,
            display_name=name,
            password_hash=demo_hash,
            email_verified_at=now,
            declaration_accepted_at=now,
            local_group_id=groups[3].id,
            joined_on=(now - timedelta(days=900)).date(),
            created_at=now,
        )
        if role is not None:
            member.role_grants.append(RoleGrant(role=role, granted_at=now))
        made.append(member)
    for n in range(members):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        joined = now - timedelta(days=int(rng.expovariate(1 / 500)) + 1)
        made.append(
            Member(
                email=f"member{n:04d}@example.org",
                display_name=name,
                password_hash=locked_hash,
                email_verified_at=now,
                declaration_accepted_at=joined,
                created_at=joined,
                local_group_id=rng.choices(groups, weights=range(10, 0, -1))[0].id,
                joined_on=joined.date(),
            )
        )
    # A second moderator, who cannot sign in, decides the demo's appeal: the moderator
    # who hid a post may not decide its appeal.
    made[4].role_grants.append(RoleGrant(role=Role.MODERATOR, granted_at=now))
    session.add_all(made)
    session.flush()
    for member in rng.sample(made[4:], k=max(members // 25, 1)):
        new_status = rng.choice([MembershipStatus.LAPSED, MembershipStatus.SUSPENDED])
        session.add(
            StatusChange(
                member_id=member.id,
                old_status=MembershipStatus.ACTIVE,
                new_status=new_status,
                effective_on=now.date(),
                reason="Demo: subscription unpaid"
                if new_status == MembershipStatus.LAPSED
                else "Demo: under investigation",
                changed_at=now,
            )
        )
        member.status = new_status
    audit_log.record(
        session,
        actor=None,
        action="demo.seeded",
        payload={"members": len(made), "groups": len(groups)},
        now=now,
    )
    session.commit()
    from deliberate.services import demo_votes  # votes need the members committed first

    demo_votes.seed_votes(session, now=now, seed_value=seed_value)
    from deliberate.services import demo_proposals

    demo_proposals.seed_proposals(session, now=now, seed_value=seed_value)
    from deliberate.services import demo_debates

    demo_debates.seed_debates(session, now=now)
    session.commit()
    return len(made)
