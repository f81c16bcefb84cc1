"""The tally package is pure: standard library and its own modules only."""

import ast
import sys
from pathlib import Path

import deliberate.core.tally as tally

ALLOWED_OWN = ("deliberate.core.tally", "deliberate.core.errors", "deliberate.core.messages")


def test_tally_imports_only_the_standard_library():
    for path in Path(tally.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in sys.stdlib_module_names or module.startswith(ALLOWED_OWN), (
                    f"{path.name} imports {module}"
                )
