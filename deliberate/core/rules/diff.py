"""What changed between two rulebooks, in words, and which entrenched rules a change touches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deliberate.core.messages import N_
from deliberate.core.rules.describe import label_for, rule_units
from deliberate.core.rules.ruleset import Rulebook, RuleSet
from deliberate.core.rules.serialise import ruleset_to_dict

NOT_SET = N_("(not set)")


@dataclass(frozen=True)
class Change:
    """One changed rule for the public history page; old and new are plain sentences."""

    path: str
    label: str
    old: str
    new: str


def diff_rulesets(old: RuleSet | None, new: RuleSet | None, *, prefix: str = "") -> list[Change]:
    """The rules that differ between two rule sets (None for a kind that does not exist)."""
    old_units = {path: (value, text) for path, value, text in rule_units(old)} if old else {}
    new_units = {path: (value, text) for path, value, text in rule_units(new)} if new else {}
    paths = list(old_units) + [path for path in new_units if path not in old_units]
    changes = []
    for path in paths:
        before, after = old_units.get(path), new_units.get(path)
        if before is not None and after is not None and before[0] == after[0]:
            continue
        changes.append(
            Change(
                path=prefix + path,
                label=label_for(path),
                old=before[1] if before else NOT_SET,
                new=after[1] if after else NOT_SET,
            )
        )
    return changes


def diff_rulebooks(old: Rulebook, new: Rulebook) -> list[Change]:
    """Every rule that differs, kind by kind, with paths like 'policy-motion.vote.majority'."""
    kinds = list(old.rulesets) + [kind for kind in new.rulesets if kind not in old.rulesets]
    changes = []
    for kind in kinds:
        before, after = old.rulesets.get(kind), new.rulesets.get(kind)
        changes += diff_rulesets(before, after, prefix=f"{kind}.")
    return changes


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else key, out)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}.{index}", out)
    else:
        out[prefix] = value
    return out


def _overlaps(path: str, other: str) -> bool:
    return path == other or path.startswith(other + ".") or other.startswith(path + ".")


def entrenched_changes(old: RuleSet, new: RuleSet) -> list[str]:
    """The entrenched paths (by the old rules) that going from ``old`` to ``new`` would touch.

    A non-empty answer means the committee cannot make this change; only a members'
    referendum can. Dropping a path from ``entrenched`` is itself entrenched, otherwise
    the committee could un-entrench a rule and then change it.
    """
    before = _flatten(ruleset_to_dict(old), "", {})
    after = _flatten(ruleset_to_dict(new), "", {})
    changed = [
        path
        for path in before.keys() | after.keys()
        if path.split(".")[0] != "entrenched" and before.get(path, ...) != after.get(path, ...)
    ]
    touched = {e for e in old.entrenched if any(_overlaps(path, e) for path in changed)}
    if old.entrenched - new.entrenched:
        touched.add("entrenched")
    return sorted(touched)


def rulebook_entrenched_changes(old: Rulebook, new: Rulebook) -> list[str]:
    """Entrenched 'kind.path' entries the change touches; removing a kind touches all of its."""
    touched = []
    for kind, ruleset in old.rulesets.items():
        replacement = new.rulesets.get(kind)
        if replacement is None:
            paths = sorted(ruleset.entrenched)
        else:
            paths = entrenched_changes(ruleset, replacement)
        touched += [f"{kind}.{path}" for path in paths]
    return touched
