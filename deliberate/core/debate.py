"""Pure rules of the debate: house rules, thread flattening, text diffs, mentions."""

import difflib
import re
from dataclasses import dataclass

from deliberate.core.messages import N_, Message

# The house rules a moderator cites when hiding a contribution; shown on /debate/rules.
HOUSE_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "R1",
        N_("Personal attacks"),
        N_("Argue with ideas, not with people. No insults or harassment."),
    ),
    ("R2", N_("Discrimination"), N_("No contempt for anyone because of who they are.")),
    ("R3", N_("Off topic"), N_("Stay with the proposal under discussion.")),
    ("R4", N_("Spam"), N_("No advertising, repeated posts or floods of links.")),
    ("R5", N_("Private information"), N_("Never publish someone's private details.")),
)
RULE_CODES = frozenset(code for code, _title, _text in HOUSE_RULES)

# Replies deeper than this are shown at this depth (top level is 0), so threads stay
# readable on a phone; the reply says whom it answers.
MAX_DISPLAY_DEPTH = 3

# A mention is "@" followed by a member's public id (secrets.token_urlsafe(9): 12 chars).
_MENTION = re.compile(r"(?<![\w@/-])@([A-Za-z0-9_-]{12})(?![A-Za-z0-9_-])")


def rule_label(code: str | None) -> str:
    """'R1 Personal attacks' for a rule code, or the code itself when unknown."""
    for rule_code, title, _text in HOUSE_RULES:
        if rule_code == code:
            return Message("%(code)s %(title)s", code=rule_code, title=title)
    return code or ""


def mentioned_handles(text: str) -> list[str]:
    """The public ids mentioned as @handle, first occurrence order, at most 20."""
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)[:20]


@dataclass(frozen=True)
class Placed:
    """Where a contribution is shown: under which displayed parent, at what depth."""

    display_parent_id: int | None
    display_depth: int


def place(nodes: list[tuple[int, int | None]], max_depth: int = MAX_DISPLAY_DEPTH) -> dict:
    """Map each (id, parent_id) to its display parent; deeper replies join the deepest level.

    Nodes must come parents-first (e.g. by creation time). A reply at real depth 5 with
    max_depth 3 is shown as a sibling at depth 3, under its ancestor at depth 2.
    """
    placed: dict[int, Placed] = {}
    for node_id, parent_id in nodes:
        parent = placed.get(parent_id) if parent_id is not None else None
        if parent is None:
            placed[node_id] = Placed(None, 0)
        elif parent.display_depth < max_depth:
            placed[node_id] = Placed(parent_id, parent.display_depth + 1)
        else:
            placed[node_id] = Placed(parent.display_parent_id, parent.display_depth)
    return placed


@dataclass(frozen=True)
class DiffLine:
    """One line of a text diff: op is 'same', 'add' or 'remove'."""

    op: str
    text: str


def line_diff(old: str, new: str) -> list[DiffLine]:
    """A line-by-line diff of two texts, with every line of both kept in order."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    result: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(DiffLine("same", line) for line in old_lines[i1:i2])
            continue
        result.extend(DiffLine("remove", line) for line in old_lines[i1:i2])
        result.extend(DiffLine("add", line) for line in new_lines[j1:j2])
    return result
