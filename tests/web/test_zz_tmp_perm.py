import pytest
import tests.web.test_permissions as perm
from tests.web.test_permissions import *  # noqa

@pytest.fixture(autouse=True)
def _patch(app, monkeypatch):
    names = [r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/login/code")]
    monkeypatch.setattr(perm, "SPECIAL_GET", {**perm.SPECIAL_GET, **{n: 302 for n in names}})
    yield
