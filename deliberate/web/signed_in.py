"""The signed-in member as an ORM object, for views that change it or hand it on.

``current_user`` is a frozen ``services.signed_in.SignedInMember``: enough for
permissions, templates and signing, but not an object a service can change, link a
row to, or record as an actor. Such views call ``signed_in_member()`` instead.
"""

from flask import abort
from flask_login import current_user

from deliberate.extensions import db
from deliberate.models import Member


def signed_in_member() -> Member:
    """The ORM ``Member`` behind ``current_user`` (from the session's identity map if loaded)."""
    member = db.session.get(Member, current_user.id)
    if member is None:  # gone since the request began: as for a stale cookie
        abort(401)
    return member
