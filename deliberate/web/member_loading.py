"""How a request loads its signed-in member: alone, or with what its view reads first.

Flask-Login calls the user loader with the login cookie's session token, the first time
the request asks for ``current_user``. By default that is one statement of its own
(services.signed_in). A view whose first read can be made with the member's, as a
signature's (services.signature_read), registers a loader for its endpoint here and
finds the rest of what it read on ``g``.
"""

from collections.abc import Callable

from flask import has_request_context, request

from deliberate.extensions import db
from deliberate.services import signed_in
from deliberate.services.signed_in import SignedInMember

MemberLoader = Callable[[str], SignedInMember | None]
_BY_ENDPOINT: dict[str, MemberLoader] = {}


def loads_member_with(endpoint: str, loader: MemberLoader) -> None:
    """Load the member of requests to ``endpoint`` with ``loader`` (token -> member)."""
    _BY_ENDPOINT[endpoint] = loader


def load_member(session_token: str) -> SignedInMember | None:
    """Flask-Login's user loader: a plain row, not the ORM member (deliberate.web.signed_in)."""
    loader = _BY_ENDPOINT.get(request.endpoint) if has_request_context() else None
    if loader is not None:
        return loader(session_token)
    return signed_in.by_session_token(db.session, session_token)
