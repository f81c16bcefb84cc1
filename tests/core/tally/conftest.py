"""Shared fixtures for the tally tests: where the copied PrefLib files live."""

from functools import cache
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


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
