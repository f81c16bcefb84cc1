"""T32: a made-up X-Forwarded-For header cannot reset the per-address limits.

By default (PROXY_FIX_HOPS=0) the header is ignored: the limits and the address stored
with a signature are the connection's own. Behind one proxy (PROXY_FIX_HOPS=1) only the
last hop, the one that proxy added, counts; whatever a client puts before it is ignored.
"""

import secrets

import pytest
from sqlalchemy import select

from deliberate.extensions import db
from deliberate.models import Signature
from tests.conftest import AuthActions, csrf_from
from tests.proposal_builders import add_members, proposal, ruleset


@pytest.fixture
def app_config(app_config, request):
    return {**app_config, "PROXY_FIX_HOPS": getattr(request, "param", 0)}


def random_ip() -> str:
    return ".".join(str(secrets.randbelow(254) + 1) for _ in range(4))


def login(client, email: str, forwarded: str):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": "wrong password!"},
        headers={"X-Forwarded-For": forwarded},
    )


def test_a_random_x_forwarded_for_does_not_reset_the_sign_in_limit(app, client):
    app.config["RATELIMIT_LOGIN_PER_ADDRESS"] = "3 per minute"
    # A different address each time, so only the per-connection limit can stop them.
    statuses = [login(client, f"guess{n}@example.org", random_ip()).status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def signing_setup(app, n: int) -> tuple:
    with app.app_context():
        refs = [proposal(db.session, ruleset(threshold=50), title=f"P{i}").public_id
                for i in range(n)]  # fmt: skip
        add_members(db.session, 1, prefix="signer")
    client = app.test_client()
    AuthActions(client).login("signer.0@example.org")
    token = csrf_from(client.get(f"/proposals/{refs[0]}").get_data(as_text=True))
    return client, token, refs


def stored_addresses(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Signature.ip_address).order_by(Signature.id)))


def test_a_random_x_forwarded_for_does_not_reset_the_signing_limit(app):
    app.config["RATELIMIT_SIGN"] = "2 per minute"
    client, token, refs = signing_setup(app, 3)
    statuses = [
        client.post(
            f"/proposals/{ref}/sign",
            data={"csrf_token": token},
            headers={"X-Forwarded-For": random_ip()},
        ).status_code
        for ref in refs
    ]
    assert statuses == [303, 303, 429]
    # The quarantine (T32) counts by the stored address: the connection's, not the header's.
    assert stored_addresses(app) == ["127.0.0.1", "127.0.0.1"]


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_behind_one_proxy_only_the_last_hop_counts(app, client):
    app.config["RATELIMIT_LOGIN_PER_ADDRESS"] = "2 per minute"
    proxy_saw = "198.51.100.7"  # the address our proxy appended

    def attempt(n: int, last_hop: str) -> int:
        return login(client, f"guess{n}@example.org", f"{random_ip()}, {last_hop}").status_code

    assert [attempt(n, proxy_saw) for n in range(3)] == [200, 200, 429]
    # Another real client behind the same proxy is not caught by the first one's limit.
    assert attempt(9, "198.51.100.8") == 200


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_behind_one_proxy_the_signature_stores_the_last_hop(app):
    client, token, refs = signing_setup(app, 1)
    response = client.post(
        f"/proposals/{refs[0]}/sign",
        data={"csrf_token": token},
        headers={"X-Forwarded-For": "10.9.8.7, 198.51.100.7"},
    )
    assert response.status_code == 303
    assert stored_addresses(app) == ["198.51.100.7"]
