"""The rules package stays pure: standard library and its own core only."""

import ast
import sys
from pathlib import Path

import deliberate.core.rules as rules

PACKAGE = Path(rules.__file__).parent
# core.messages: the pure, translatable-text helper (N_) that core errors and sentences use.
ALLOWED_PREFIXES = (
    "deliberate.core.rules",
    "deliberate.core.errors",
    "deliberate.core.messages",
    "__future__",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_rules_import_only_the_standard_library_and_core():
    offenders = {}
    for path in PACKAGE.glob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if name.startswith(ALLOWED_PREFIXES) or top in sys.stdlib_module_names:
                continue
            offenders.setdefault(path.name, []).append(name)
    assert offenders == {}


def test_rules_never_use_floats():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        literals = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, float)
        ]
        calls = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "float"
        ]
        assert (path.name, literals, calls) == (path.name, [], [])
