"""The JSON API: envelope, errors, pagination, and a document that matches the routes."""

import re

from tests.conftest import make_member


def api_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")]


def test_openapi_lists_exactly_the_api_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {"/api/v1" + path for path in document["paths"]}
    routes = {
        re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        for rule in api_rules(app)
        if rule.endpoint != "api.openapi_document"
    }
    assert routes == documented


def test_rulebook_versions_are_listed_with_ids_states_and_urls(client):
    body = client.get("/api/v1/rulebook/versions").get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["next"] is None
    (item,) = body["items"]
    assert item["id"] == 1 and item["state"] == "in_force"
    assert item["url"].endswith("/rulebook/versions/1")
    assert re.fullmatch("[0-9a-f]{64}", item["content_hash"])
    detail = client.get("/api/v1/rulebook/versions/1").get_json()
    assert "campaign" in detail["content"]["rulesets"]


def test_errors_share_one_format(client):
    for path, status in (
        ("/api/v1/rulebook/versions/999", 404),
        ("/api/v1/rulebook/versions?page=0", 400),
        ("/api/v1/rulebook/versions?per_page=1000", 400),
        ("/api/v1/no-such-thing", 404),
    ):
        response = client.get(path)
        body = response.get_json()
        assert response.status_code == status, path
        assert set(body) == {"error", "message"} and body["message"], path


def test_public_key_is_published_as_pem(client):
    body = client.get("/api/v1/public-key").get_json()
    assert body["algorithm"] == "Ed25519"
    assert body["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert client.get("/api/v1/public-key").get_json() == body  # the same key every time


def test_api_is_rate_limited_with_the_error_format(app, client):
    app.config["RATELIMIT_API"] = "2 per minute"
    make_member(app)
    statuses = [client.get("/api/v1/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert set(client.get("/api/v1/").get_json()) == {"error", "message"}
