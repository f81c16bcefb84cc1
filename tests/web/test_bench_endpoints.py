"""The benchmark's yardsticks do what they claim: the signed-in insert pays for sign-in and CSRF.

A yardstick that skipped a check would make the surge's split between the stack and the
feature (bench/scenarios/surge.py) wrong without any benchmark noticing.
"""

import pytest
from sqlalchemy import text

from deliberate.extensions import db
from deliberate.web import bench_endpoints
from tests.conftest import make_member


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BENCH_ENDPOINTS": True}


def rows(app) -> int:
    """Rows in bench_raw (made on first use; kept between tests on PostgreSQL)."""
    with app.app_context():
        db.session.execute(text(bench_endpoints._CREATE[db.engine.dialect.name]))
        db.session.commit()
        return db.session.execute(text("SELECT count(*) FROM bench_raw")).scalar_one()


def test_the_signed_in_insert_writes_one_row_for_a_signed_in_member_with_a_token(app, auth):
    make_member(app)
    auth.login()
    before = rows(app)
    answer = auth.post("/bench/signed-in-insert", {}, token_from="/")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/bench/hello")
    assert rows(app) == before + 1


def test_the_signed_in_insert_refuses_a_post_without_its_csrf_token(app, client, auth):
    make_member(app)
    auth.login()
    before = rows(app)
    answer = client.post("/bench/signed-in-insert", data={})
    assert answer.status_code == 400
    assert client.post("/bench/raw-insert", data={}).status_code == 201  # exempt from CSRF
    assert rows(app) == before + 1  # only the raw insert's


def test_the_signed_in_insert_sends_a_visitor_to_sign_in(app, auth):
    before = rows(app)
    answer = auth.post("/bench/signed-in-insert", {}, token_from="/login")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]
    assert rows(app) == before
