"""Shared fixtures for the tally tests: where the copied PrefLib files live."""

import sys
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parent / "data"

# The package is not installed in the venv; until pyproject sets pytest's
# `pythonpath = ["."]`, make `import deliberate` work from a clean clone.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The PrefLib files copied into the repository (see data/README.md)."""
    return DATA


@pytest.fixture(scope="session")
def load(data_dir):
    """Parse a data file once per session (Dublin North takes about half a second)."""
    from deliberate.core.tally import preflib

    @cache
    def _load(name: str):
        return preflib.load(data_dir / name)

    return _load
