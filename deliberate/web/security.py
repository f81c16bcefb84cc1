"""Security headers on every response (T42); refusing form posts from other sites (T26) or
with more fields than MAX_FORM_PARTS (T18).

The referrer policy is ``same-origin``: no URL of ours, and so no token in one, is ever
sent to another site, while our own pages still send their Referer and a real Origin
with a form post. ``no-referrer`` would make browsers send ``Origin: null`` and no
Referer on our own forms, and on HTTPS Flask-WTF's strict check (WTF_CSRF_SSL_STRICT)
then refuses every one of them for a missing Referer.

On top of the CSRF token (bound to the session) and SameSite=Lax cookies, a post whose
Origin header names another site, or ``null``, is refused with the CSRF error page,
as Django does. Requests without Origin (old browsers, scripts) rely on the token.
"""

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def register_security_headers(app: Flask) -> None:
    """Add CSP, nosniff, framing and referrer rules; HSTS when cookies are Secure."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        # Account links carry tokens in the path; never leak them to another site.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-cache"
        return response


def own_hosts() -> set[str]:
    """The host names (with port) this site answers to: the request's and BASE_URL's."""
    hosts = {request.host.lower()}
    base = urlsplit(current_app.config.get("BASE_URL") or "")
    if base.netloc:
        hosts.add(base.netloc.lower())
    return hosts


def register_request_checks(app: Flask) -> None:
    """Refuse, before any view runs, a post from another site (T26) or with too many parts."""

    @app.before_request
    def refuse_foreign_origin() -> None:
        origin = request.headers.get("Origin")
        if origin is None or request.method in SAFE_METHODS or request.blueprint == "api":
            return  # the API takes tokens, never cookies (and is exempt from CSRF)
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in own_hosts():
            raise CSRFError("The request came from another site.")

    @app.before_request
    def refuse_too_many_form_parts() -> None:
        # Werkzeug applies MAX_FORM_PARTS to multipart bodies only; an urlencoded body is
        # parsed whole (its size capped by MAX_CONTENT_LENGTH), so count its fields here,
        # before a view sees 5000 copies of a field (T18).
        limit = current_app.config.get("MAX_FORM_PARTS")
        if limit and request.mimetype == "application/x-www-form-urlencoded":
            parts = sum(len(values) for _name, values in request.form.lists())
            if parts > limit:
                raise RequestEntityTooLarge()
