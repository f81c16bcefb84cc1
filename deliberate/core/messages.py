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


# A stored message keeps what JSON keeps exactly: text, whole numbers, yes/no, decimals
# (as text) and messages inside it. Anything else (a date, a fraction) would come back as
# something else, so a message holding one is stored as its English only.
_PLAIN = (str, int, bool)


def to_data(text: str) -> dict | None:
    """A Message with values as plain data ({"msgid", "params"}), to store beside its English.

    None for plain text, for a Message without values (its English is its msgid, which
    the translating layer looks up as it is), and for values that cannot be kept exactly.
    """
    if not isinstance(text, Message) or not text.params:
        return None
    params = {}
    for name, value in text.params.items():
        stored = _value_data(value)
        if stored is None:
            return None
        params[name] = stored
    return {"msgid": text.msgid, "params": params}


def _value_data(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if type(value) is Decimal:
        return {"decimal": str(value)}
    if type(value) is Message and not value.params:
        return {"message": {"msgid": value.msgid, "params": {}}}
    if type(value) is Message:
        inner = to_data(value)
        return None if inner is None else {"message": inner}
    return None


def from_data(data: dict) -> Message:
    """The Message ``to_data`` stored."""
    return Message(data["msgid"], **{k: _value_of(v) for k, v in data["params"].items()})


def _value_of(stored: Any) -> Any:
    if isinstance(stored, dict) and "decimal" in stored:
        return Decimal(stored["decimal"])
    if isinstance(stored, dict) and "message" in stored:
        return from_data(stored["message"])
    return stored


def to_json(text: str) -> str | None:
    """``to_data`` as canonical JSON text, for a text column."""
    data = to_data(text)
    return None if data is None else json.dumps(data, sort_keys=True)


def from_json(stored: str) -> Message:
    """The Message ``to_json`` stored."""
    return from_data(json.loads(stored))
