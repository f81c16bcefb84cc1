"""Property-based fuzzing of the API against its own OpenAPI document (schemathesis).

Every generated request must get an answer the document allows: no server error, no
undocumented status, no body that breaks its schema.
"""

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

import tests.conftest as conftest
from config import TestConfig
from deliberate import create_app

# schemathesis needs the app when the module is collected, before any fixture runs.
_instance = Path(tempfile.mkdtemp(prefix="deliberate-fuzz-"))
_app = create_app(
    type(
        "FuzzConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": conftest.database_url(_instance),
            "INSTANCE_PATH": str(_instance),
            "RATELIMIT_API": "100000 per minute",
        },
    )
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _app)


def setup_module(module):
    from deliberate.extensions import db
    from deliberate.models import VoteMethod
    from tests.audit_builders import closed_vote
    from tests.proposal_builders import proposal, ruleset

    conftest._reset_schema(_app)
    conftest.make_member(_app)
    with _app.app_context():
        proposal(db.session, ruleset(threshold=10))
    closed_vote(_app, VoteMethod.SINGLE, prefix="fuzz")


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_document(case):
    case.call_and_validate()
