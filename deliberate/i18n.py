"""Translation glue: show any message in the reader's language, write mail in the recipient's.

Messages reach the reader in three shapes, all handled by ``translate``:

- lazy strings (``lazy_gettext``), which services raise and which translate themselves
  in the language of the request (or command) that turns them into text;
- core ``Message``s (``deliberate.core.messages.N_``): English text that keeps its msgid
  and values, translated here because core may not import Flask-Babel;
- plain text (a member's input, a name), shown as it is.

Outside a request (CLI commands, the mail worker) the locale selector answers the default
language, so the same calls give English there.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel import numbers
from flask import current_app, g, has_app_context
from flask_babel import (
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
    refresh,
)
from flask_babel.speaklater import LazyString

from deliberate.core.errors import DeliberateError
from deliberate.core.messages import Joined, Message, from_data

# How a date, or a date and time, reads inside a sentence, per language:
# '3 May 2024 at 14:00', '3 de mayo de 2024 a las 14:00'. Times are shown in UTC.
_DATE_PATTERNS = {"es": "d 'de' MMMM 'de' y"}
_DATETIME_PATTERNS = {"es": "d 'de' MMMM 'de' y 'a las' HH:mm"}
_DEFAULT_DATE_PATTERN = "d MMMM y"
_DEFAULT_DATETIME_PATTERN = "d MMMM y 'at' HH:mm"


def _value(value: Any) -> Any:
    """A message's value written the reader's way: translated, or a localised number or date."""
    if isinstance(value, Message | Joined):
        return translate(value)
    if isinstance(value, bool) or not has_app_context():
        return value
    if isinstance(value, int):
        return format_decimal(value)
    if isinstance(value, Decimal):  # every digit core wrote, with the reader's separator
        return numbers.format_decimal(value, locale=get_locale(), decimal_quantization=False)
    language = get_locale().language if get_locale() else ""
    if isinstance(value, datetime):
        pattern = _DATETIME_PATTERNS.get(language, _DEFAULT_DATETIME_PATTERN)
        return format_datetime(value.astimezone(UTC), pattern, rebase=False)
    if isinstance(value, date):
        return format_date(value, _DATE_PATTERNS.get(language, _DEFAULT_DATE_PATTERN))
    return value


def number(value: int | float) -> str:
    """A count written the reader's way: 12,345 in English, 12.345 in Spanish."""
    return format_decimal(value)


def translate(text: Any) -> str:
    """The text in the current language: a core Message, a lazy string or plain text."""
    if isinstance(text, Message) and not has_app_context():
        return str(text)  # no catalog to look in: the English it already is
    if isinstance(text, Message):
        if not text.params:
            return gettext(text.msgid)
        return gettext(text.msgid, **{name: _value(v) for name, v in text.params.items()})
    if isinstance(text, Joined):
        return text.separator.join(translate(part) for part in text.parts)
    return "" if text is None else str(text)


def _shown(value: Any) -> str:
    if not has_app_context() and not isinstance(value, bool):  # English, as core writes it
        if isinstance(value, datetime):
            return str(Message("%(value)s", value=value.astimezone(UTC)))
        if isinstance(value, int | Decimal | date):
            return str(Message("%(value)s", value=value))
    return translate(_value(value))


def lazy(value: Any) -> LazyString:
    """A value for a lazy message: a core Message, number or date, written when shown.

    ``lazy_gettext("... %(reasons)s", reasons=lazy(join(reasons)))`` translates core's
    reasons in the same language as the sentence around them.
    """
    return LazyString(_shown, value)


def recorded(text: str | None) -> str:
    """English text the system stored (a check's name in a result), translated if known.

    Text that is a msgid is shown translated, anything else as it was stored. For the
    system's own words only, never for members' text.
    """
    return gettext(str(text)) if text else ""


def stored_text(part: dict | None, key: str) -> str:
    """A sentence a vote's result stored in English, in the reader's language if it can be.

    services.counting keeps each such sentence (``verdict``, ``turnout_text``) also as a
    message (``verdict_message``...); results counted before that are shown as stored.
    """
    part = part or {}
    data = part.get(f"{key}_message")
    return translate(from_data(data)) if data else str(part.get(key) or "")


def vote_verdict(referendum) -> str:
    """A closed vote's verdict in the reader's language; its record stays English."""
    if not referendum.result_json:
        return referendum.verdict or ""
    return stored_text(json.loads(referendum.result_json), "verdict")


# A page's timestamps ('01 December 2026, 14:00'), for the ``when`` template filter.
_PAGE_DATETIME_PATTERNS = {"es": "d 'de' MMMM 'de' y, HH:mm"}
_DEFAULT_PAGE_DATETIME_PATTERN = "dd MMMM y, HH:mm"


def when(moment: datetime) -> str:
    """A UTC timestamp written out for a page in the reader's language (month in words)."""
    locale = get_locale()
    pattern = _PAGE_DATETIME_PATTERNS.get(locale.language if locale else "")
    return format_datetime(
        moment.astimezone(UTC), pattern or _DEFAULT_PAGE_DATETIME_PATTERN, rebase=False
    )


def error_message(error: DeliberateError) -> str:
    """A domain error's message as plain text in the current language."""
    return translate(error.message)


def supported(language: str | None) -> str:
    """``language`` if the platform offers it, else the default language."""
    if not has_app_context():
        return "en"
    if language and language in current_app.config["LANGUAGES"]:
        return language
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "en")


def use_member_language(language: str | None) -> None:
    """The signed-in member just changed language: the rest of this request uses it."""
    g.member_language = language or None
    refresh()  # Flask-Babel forgets the locale it chose for this request


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Render what is inside the block in a member's chosen language (or the default).

    For mail and notifications, which are written for their recipient, not for whoever
    caused them: lazy strings and ``gettext`` inside the block use that language.
    """
    with force_locale(supported(language)):
        yield


@contextmanager
def in_language_of(member: Any, *, own_action: bool = False) -> Iterator[None]:
    """Write to ``member`` in their language: their setting, else the default language.

    ``own_action``: the member asked for this mail just now (a reset link, a confirmation),
    so without a setting it follows the browser they asked from. ``member=None`` (an
    address with no account) keeps the current language: that of whoever typed it.
    """
    if member is None or (own_action and not member.language):
        yield
        return
    with in_language(member.language):
        yield
