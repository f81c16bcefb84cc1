"""Commands have an app context but no request: their messages are in the default language."""

from flask_babel import lazy_gettext as _l

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_
from deliberate.i18n import error_message


def test_a_service_error_is_printed_in_english(app):
    result = app.test_cli_runner().invoke(
        args=["create-committee", "--email", "c@example.org", "--name", "Chair", "--password", "x"]
    )
    assert result.exit_code != 0
    assert "Error: Use at least 10 characters." in result.output


def test_a_missing_vote_is_reported_in_english(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["audit", "export", "nope", str(tmp_path / "b.zip")])
    assert result.exit_code != 0
    assert "There is no such vote." in result.output and "No existe" not in result.output


def test_lazy_and_core_messages_render_outside_a_request(app):
    """The locale selector falls back to the default instead of asking for a request."""
    with app.app_context():
        assert str(_l("Use at least %(n)s characters.", n=10)) == "Use at least 10 characters."
        core = ValidationError(
            N_("%(what)s must be a whole number.", what=N_("The days to respond"))
        )
        assert error_message(core) == "The days to respond must be a whole number."
