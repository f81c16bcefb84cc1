"""Error pages: domain errors, HTTP errors, CSRF, rate limits and crashes."""

import hashlib
import hmac
import logging
import secrets

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from deliberate.core.errors import DeliberateError
from deliberate.extensions import db
from deliberate.i18n import error_message

log = logging.getLogger(__name__)


def N_(text: str) -> str:
    """Mark a page title for translation; it is translated where it is shown (not in JSON)."""
    return text


# Werkzeug's names for the statuses in MESSAGES, so the page title can be translated too.
HTTP_TITLES = (
    N_("Bad Request"),
    N_("Forbidden"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    N_("Conflict"),
    N_("Request Entity Too Large"),
    N_("Too Many Requests"),
    N_("Internal Server Error"),
)

MESSAGES = {
    400: _l("The request could not be understood. Nothing was saved."),
    403: _l("You do not have permission to do that."),
    404: _l("There is nothing here. The address may be wrong, or the page may have moved."),
    405: _l("That action is not available at this address."),
    409: _l("That could not be done in the item's current state."),
    413: _l("What you sent is too large. Nothing was saved."),
    429: _l("Too many attempts. Please wait a little and try again."),
}


# The debate's posting routes share one per-member limit (RATELIMIT_POST).
DEBATE_POSTING_ENDPOINTS = frozenset(
    {"debate.post_proposal", "debate.post_referendum", "debate.reply", "debate.edit"}
)

# Proposals: RATELIMIT_SIGN per connection, RATELIMIT_PROPOSE per member.
PROPOSAL_LIMIT_MESSAGES = {
    "proposals.sign": _l(
        "Too many signatures from your connection in a short time. Your signature was NOT "
        "recorded; please wait a few minutes and sign again."
    ),
    "proposals.new": _l(
        "You have started several proposals recently. Nothing was saved; please wait an hour "
        "before starting another, or keep working on the drafts you have."
    ),
}


# Links that carry an account token share RATELIMIT_ACCOUNT_LINK (T31).
ACCOUNT_LINK_ENDPOINTS = frozenset({"auth.reset", "auth.verify", "auth.confirm_email"})


def _log_throttled(error) -> None:
    """One warning per refused request: which limit, where, from which address (T29).

    The endpoint, not the path, is logged: account links carry their token in the path. A
    per-account limit names the account by a keyed digest (HMAC-SHA256 with SECRET_KEY, 12
    hex digits) of the address as typed, lower-cased: repeated attacks on one account can be
    told apart, but the log holds neither the address nor whatever else was typed there.
    """
    limit = getattr(error, "limit", None)
    key = limit.key_func() if limit is not None else ""
    account = ""
    if key.startswith("email:"):
        typed = key.removeprefix("email:").encode("utf-8", "surrogatepass")
        digest = hmac.new(current_app.secret_key.encode(), typed, hashlib.sha256).hexdigest()
        account = f" for account {digest[:12]}"
    log.warning(
        "rate limit %s hit on %s %s from %s%s",
        limit.limit if limit is not None else "?",
        request.method,
        request.endpoint,
        request.remote_addr,
        account,
    )


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _page(status: int, title: str, message: str):
    if _wants_json():
        code = title.lower().replace(" ", "_")
        # Lazy messages become text here: JSON and logs need a str, in the request's language.
        return jsonify({"error": code, "message": str(message)}), status
    title = _(title) if title else title
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Map every failure to a clear page (or JSON under /api) with the right status."""

    @app.errorhandler(DeliberateError)
    def domain_error(error: DeliberateError):
        db.session.rollback()
        return _page(error.status, N_("That did not work"), error_message(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _page(
            400,
            N_("Form expired"),
            _(
                "The form had expired or came from another site, so nothing was saved. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(429)
    def too_many(error):
        _log_throttled(error)
        message = _("Too many attempts from your connection. Please wait a minute and try again.")
        if request.endpoint == "auth.login":
            message = _("Too many sign-in attempts. Please wait a minute before trying again.")
        elif request.endpoint == "auth.register":
            message = _("Too many registrations from your connection. Please wait and try again.")
        elif request.endpoint in ACCOUNT_LINK_ENDPOINTS:
            message = _(
                "Too many account links were opened from your connection. Nothing was changed; "
                "please wait a few minutes, then open the link from your email again."
            )
        elif request.endpoint in DEBATE_POSTING_ENDPOINTS:
            message = _(
                "You are posting faster than the debate allows (a few contributions a minute). "
                "Nothing was saved: go back, keep your text, and post it again in a minute."
            )
        elif request.endpoint in PROPOSAL_LIMIT_MESSAGES:
            message = PROPOSAL_LIMIT_MESSAGES[request.endpoint]
        return _page(429, N_("Slow down"), message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        body, status = _page(status, error.name, MESSAGES.get(status, error.description or ""))
        # Keep headers the protocol requires, such as Allow on a 405 (RFC 9110).
        kept = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
        return body, status, kept

    @app.errorhandler(Exception)
    def crash(error: Exception):
        db.session.rollback()
        incident = secrets.token_hex(4)
        # %r keeps a crafted path (CR, LF) on one log line (T25).
        log.exception("incident %s on %s %r", incident, request.method, request.path)
        return _page(
            500,
            N_("Something went wrong"),
            _(
                "An unexpected error happened and nothing was saved. If it happens again, "
                "tell the committee this incident number: %(incident)s.",
                incident=incident,
            ),
        )

    @app.errorhandler(500)
    def server_error(error):
        return crash(error)
