"""Shared view helpers: put a domain error next to its field, pick safe redirects."""

from urllib.parse import urlsplit

from flask import url_for
from flask_wtf import FlaskForm

from deliberate.core.errors import DeliberateError
from deliberate.i18n import error_message


def attach_error(form: FlaskForm, error: DeliberateError, default_field: str | None = None):
    """Show the error beside its field (or the default one), else at the top of the form."""
    name = error.field or default_field
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, error_message(error)]
    else:
        form.form_errors.append(error_message(error))


def safe_next(target: str | None, fallback_endpoint: str = "main.home") -> str:
    """A same-site relative path from ?next=, or the fallback (T22)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and all(ord(c) >= 32 for c in target):
            return target
    return url_for(fallback_endpoint)
