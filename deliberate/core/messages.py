"""Translatable text without a translator: core speaks English and keeps the msgid.

Core must not import Flask-Babel, yet its error messages and rule descriptions are shown
to members in their own language. So core writes them with ``N_(msgid, **params)``, which
returns a ``Message``: the English sentence itself (a ``str``, so core and its tests use it
like any text) that also remembers its msgid and its values. The layer that shows it
(``deliberate.i18n.translate``) looks the msgid up in the reader's catalog and fills in the
values, translating any value that is itself a Message. ``N_`` is one of the keywords the
string extraction looks for (scripts/translations.sh).

Placeholders are always ``%(name)s``. Whole numbers and dates may be passed as values: the
English text writes them as core always has ('40,001', '3 May 2024') and the translating
layer writes them the reader's way ('40.001', '3 de mayo de 2024').
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def _english(value: Any) -> Any:
    """A value as the English text shows it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return f"{value:,}"
    if isinstance(value, datetime):
        return f"{value.day} {value:%B %Y at %H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return value


class Message(str):
    """English text that keeps its msgid and params, so it can be translated where shown."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        text = msgid % {k: _english(v) for k, v in params.items()} if params else msgid
        message = super().__new__(cls, text)
        message.msgid = msgid
        message.params = params
        return message

    def with_params(self, **params: Any) -> Message:
        """The same msgid with more values filled in."""
        return Message(self.msgid, **{**self.params, **params})

    def __reduce__(self):
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)


def N_(msgid: str, **params: Any) -> Message:  # noqa: N802 - the conventional gettext marker
    """Mark ``msgid`` for translation where it is shown; ``%(name)s`` takes ``params``."""
    return Message(msgid, **params)


def join(parts: list[str], separator: str = "; ") -> Joined:
    """Join sentences (Messages or text) so that each part is still translated when shown."""
    return Joined(parts, separator)


class Joined(str):
    """The English join of parts; the translating layer joins the translated parts."""

    parts: tuple[str, ...]
    separator: str

    def __new__(cls, parts: list[str], separator: str = "; ") -> Joined:
        joined = super().__new__(cls, separator.join(str(part) for part in parts))
        joined.parts = tuple(parts)
        joined.separator = separator
        return joined

    def __reduce__(self):
        return (Joined, (list(self.parts), self.separator))


# Values a stored message may carry: what JSON keeps exactly (a date or a nested
# Message would come back as something else, so such a message is stored as English).
_STORABLE = (str, int, bool)


def to_json(text: str) -> str | None:
    """A Message with values as JSON ({"msgid", "params"}), to be stored beside its English.

    None for plain text, for a Message without values (its English is its msgid, which
    the translating layer looks up as it is), and for values JSON would not keep exactly.
    """
    if not isinstance(text, Message) or not text.params:
        return None
    if not all(type(value) in _STORABLE for value in text.params.values()):
        return None
    return json.dumps({"msgid": text.msgid, "params": text.params}, sort_keys=True)


def from_json(stored: str) -> Message:
    """The Message ``to_json`` stored."""
    data = json.loads(stored)
    return Message(data["msgid"], **data["params"])
