"""Cleaning of short user text (names, titles): NFC, and no invisible or direction tricks."""

import re
import unicodedata

# Bidirectional controls (U+202A-U+202E, U+2066-U+2069, LRM/RLM/ALM) and zero-width
# characters let a name display differently from what it is (T20).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\u061c\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_line(value: str) -> str:
    """NFC-normalise, drop invisible and control characters, collapse whitespace."""
    value = unicodedata.normalize("NFC", value)
    value = _INVISIBLE.sub("", value)
    value = _CONTROL.sub("", value)
    return " ".join(value.split())


def normalise_email(value: str) -> str:
    """Emails compare case-insensitively and without surrounding space."""
    return unicodedata.normalize("NFC", value).strip().lower()


def has_hidden_characters(value: str) -> bool:
    """True when the text holds control, bidi or zero-width characters."""
    return bool(_INVISIBLE.search(value) or _CONTROL.search(value) or "\x00" in value)
