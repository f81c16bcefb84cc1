"""Security headers, body limits and error pages (T18, T42, T43)."""

from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import Member


def test_every_page_sends_the_security_headers(client):
    for path in ("/", "/login", "/register", "/no-such-page"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_templates_contain_no_inline_script(app):
    from pathlib import Path

    for template in Path(app.template_folder).rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script>" not in text and " onclick=" not in text, template.name


def test_an_oversized_body_is_refused_before_parsing(app, client):
    response = client.post("/register", data={"display_name": "x" * 3_000_000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Member)) == 0


def test_an_unexpected_error_shows_an_incident_number_not_a_traceback(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    boom.policy = "public"
    response = client.get("/boom-for-test")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "incident number" in page and "secret internals" not in page
    assert "Traceback" not in page


def test_production_refuses_the_development_secret_key():
    import pytest

    from config import Config
    from deliberate import create_app

    config = type(
        "Prod", (Config,), {"ENV_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)
