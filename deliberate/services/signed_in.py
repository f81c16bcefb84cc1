"""The signed-in member as a plain, frozen row: what every request reads of its member.

Flask-Login loads the member on every signed-in request, and a signature surge is
nothing but signed-in requests. Loading the ORM ``Member`` (with its group and roles
joined in) cost a signature about a sixth of its CPU (issue 9, ninth pass); one Core
statement into this dataclass costs a fraction of that. Permission checks, templates,
eligibility and signing read only what is here. A view that changes the member, or
hands it to a service that does, asks for the ORM object explicitly
(``deliberate.web.signed_in.signed_in_member``).

The row is read once, at the start of the request: a view that changes the member and
then renders in the same request reads the new values from the ORM object, not here.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from deliberate.models import LocalGroup, Member, MembershipStatus, Role, RoleGrant

_member = Member.__table__
_group = LocalGroup.__table__
_grant = RoleGrant.__table__


@dataclass(frozen=True, slots=True)
class SignedInMember:
    id: int
    public_id: str
    display_name: str
    email: str
    status: MembershipStatus
    joined_on: date
    language: str | None
    is_verified: bool
    has_two_factor: bool
    local_group_id: int | None
    local_group_name: str | None
    roles: frozenset[Role]
    session_token: str

    # Flask-Login's protocol, as on models.Member: the cookie carries the session token.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.status != MembershipStatus.EXPELLED

    def get_id(self) -> str:
        return self.session_token


# Built once: building a statement costs more than running it. One row per role held
# (one row with no role for a plain member), so the roles need no second query.
COLUMNS = (
    _member.c.id,
    _member.c.public_id,
    _member.c.display_name,
    _member.c.email,
    _member.c.status,
    _member.c.joined_on,
    _member.c.language,
    _member.c.email_verified_at,
    _member.c.totp_enabled_at,
    _member.c.local_group_id,
    _group.c.name.label("local_group_name"),
    _member.c.session_token,
    _grant.c.role,
)
JOINED = _member.outerjoin(_group, _group.c.id == _member.c.local_group_id).outerjoin(
    _grant, _grant.c.member_id == _member.c.id
)
_SELECT = select(*COLUMNS).select_from(JOINED)
_BY_SESSION_TOKEN = _SELECT.where(_member.c.session_token == bindparam("token"))
_BY_ID = _SELECT.where(_member.c.id == bindparam("member_id"))


def by_session_token(session: Session, token: str) -> SignedInMember | None:
    """The member whose login cookie carries ``token``, or None (a rotated or unknown one)."""
    return from_rows(session.connection().execute(_BY_SESSION_TOKEN, {"token": token}).all())


def by_id(session: Session, member_id: int) -> SignedInMember | None:
    """The member with this row id, or None."""
    rows = session.connection().execute(_BY_ID, {"member_id": member_id}).all()
    return from_rows(rows)


def from_rows(rows) -> SignedInMember | None:
    """The member from the rows of a statement with ``COLUMNS`` over ``JOINED``."""
    if not rows:
        return None
    first = rows[0]
    return SignedInMember(
        id=first.id,
        public_id=first.public_id,
        display_name=first.display_name,
        email=first.email,
        status=first.status,
        joined_on=first.joined_on,
        language=first.language,
        is_verified=first.email_verified_at is not None,
        has_two_factor=first.totp_enabled_at is not None,
        local_group_id=first.local_group_id,
        local_group_name=first.local_group_name,
        roles=frozenset(row.role for row in rows if row.role is not None),
        session_token=first.session_token,
    )
