"""Display names: refuse a word that mixes scripts, the usual look-alike trick (T20).

"Аnn" with a Cyrillic "А" reads as "Ann" but is another name. Whole names may mix scripts
word by word ("Ivan Иванов"); a single word may not, except as Japanese, Chinese and
Korean are written (UTS #39, "highly restrictive"). No real name needs it.
"""

from confusable_homoglyphs.categories import unique_aliases
from flask_babel import lazy_gettext as _l

from deliberate.core.errors import ValidationError

MIXED_SCRIPTS = _l(
    "Write each word of your name in one alphabet: a word here mixes letters of "
    "different scripts, which makes a name look like someone else's."
)
# Digits, punctuation, emoji and combining marks belong to no script of their own.
_NO_SCRIPT = frozenset({"COMMON", "INHERITED", "Unknown"})
_WRITING_SYSTEMS = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


def mixes_scripts(word: str) -> bool:
    """True when one word has letters of scripts no writing system combines."""
    scripts = unique_aliases(word) - _NO_SCRIPT
    return len(scripts) > 1 and not any(scripts <= system for system in _WRITING_SYSTEMS)


def check_display_name(name: str) -> None:
    """Raise ValidationError when a word of the name mixes scripts."""
    if any(mixes_scripts(word) for word in name.split()):
        raise ValidationError(MIXED_SCRIPTS, field="display_name")
