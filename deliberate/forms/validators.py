"""Validators shared by several forms."""

from confusable_homoglyphs.categories import unique_aliases
from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

# Digits, punctuation, emoji and combining marks belong to no script of their own.
_NO_SCRIPT = frozenset({"COMMON", "INHERITED", "Unknown"})
# The mixtures UTS #39 still calls "highly restrictive": how Japanese, Chinese and Korean
# names are written. Any other word with letters of two scripts is refused.
_WRITING_SYSTEMS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


class EmailAddress:
    """A syntactically valid address; no DNS lookup, and reserved test domains allowed.

    WTForms' Email validator refuses special-use domains such as .test, which the demo
    logins (member@demo.deliberate.test) and many staging setups use.
    """

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(self.message) from error


def mixes_scripts(word: str) -> bool:
    """True when one word has letters of scripts no writing system combines (Latin + Cyrillic)."""
    scripts = unique_aliases(word) - _NO_SCRIPT
    return len(scripts) > 1 and not any(scripts <= system for system in _WRITING_SYSTEMS)


class SingleScriptWords:
    """Refuse a name with a word such as "Аnn" (Cyrillic А, Latin nn): a look-alike trick (T20).

    Whole names may mix scripts word by word ("Ivan Иванов"); a single word may not, except
    as Japanese, Chinese and Korean are written. No real name needs it, while a homoglyph
    copy of another member's name almost always does.
    """

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if any(mixes_scripts(word) for word in (field.data or "").split()):
            raise ValidationError(self.message)
