"""deliberate.core must stay pure: no web framework, ORM or form library, no app models."""

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "deliberate" / "core"
FORBIDDEN = (
    "flask",
    "sqlalchemy",
    "wtforms",
    "flask_wtf",
    "werkzeug",
    "deliberate.models",
    "deliberate.services",
    "deliberate.web",
    "deliberate.extensions",
)


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_module_imports_nothing_impure(path):
    bad = {
        name
        for name in imported_modules(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_purity_check_sees_core_modules():
    assert len(list(CORE.rglob("*.py"))) >= 4
