"""Deliberate: an online deliberation and referendum platform for membership organisations."""

import logging
import os
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import lazy_gettext
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type | dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, errors, CLI."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=False,
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    app.instance_path = app.config["INSTANCE_PATH"]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("AUDIT_WITNESS_PATH"):
        app.config["AUDIT_WITNESS_PATH"] = str(Path(app.instance_path) / "audit-witness.jsonl")
    _witness_audit_commits()
    _check_production_settings(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    _init_extensions(app)

    from deliberate.web import register_blueprints
    from deliberate.web.errors import register_error_handlers
    from deliberate.web.security import register_request_checks, register_security_headers

    register_blueprints(app)
    from deliberate.api import bp as api_blueprint

    app.register_blueprint(api_blueprint)
    if app.config.get("BENCH_ENDPOINTS"):
        from deliberate.web.bench_endpoints import bp as bench_bp

        app.register_blueprint(bench_bp)
    register_error_handlers(app)
    register_security_headers(app)
    register_request_checks(app)

    from deliberate.cli import register_commands

    register_commands(app)

    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _witness_audit_commits() -> None:
    """After each commit that added audit entries, append the last one to the app's
    AUDIT_WITNESS_PATH (services.audit_witness). Installed once per process: the events
    are the Session class's, and each commit reads the path of the app it runs in."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from deliberate.services import audit_witness

    if event.contains(Session, "after_commit", _append_witnessed):
        return
    event.listen(Session, "after_commit", _append_witnessed)
    event.listen(Session, "after_rollback", audit_witness.forget)


def _append_witnessed(session) -> None:
    from deliberate.services import audit_witness

    witnessed = audit_witness.take_pending(session)
    if witnessed is None or not has_app_context():
        return
    path = current_app.config.get("AUDIT_WITNESS_PATH")
    if not path:
        return
    try:
        audit_witness.append(Path(path), witnessed)
    except OSError as error:
        # The action is committed: answering it with an error would tell the member it
        # failed. The log line carries the witness instead, and the check will say that
        # the file lacks it.
        logging.getLogger("deliberate.audit_witness").error(
            "audit log NOT witnessed in %s (%s): entry %s has hash %s",
            path,
            error,
            witnessed.seq,
            witnessed.hash,
        )


def _check_production_settings(app: Flask) -> None:
    if app.config["ENV_NAME"] == "production":
        if (
            app.config["SECRET_KEY"] in ("", "dev-only-insecure-key")
            or len(app.config["SECRET_KEY"]) < 32
        ):
            raise RuntimeError("Set SECRET_KEY to a random string of at least 32 characters.")
        app.config["DEBUG"] = False


def _init_extensions(app: Flask) -> None:
    from deliberate import database
    from deliberate.extensions import babel, csrf, db, limiter, login_manager, migrate

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"],
        app.config["DATABASE_BUSY_TIMEOUT"],
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
    )
    db.init_app(app)
    with app.app_context():
        database.configure_engine(
            db.engine,
            busy_timeout=app.config["DATABASE_BUSY_TIMEOUT"],
            check_writes=app.config["DATABASE_CHECK_WRITES"],
        )
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")

    # Registered before the limiter, so it runs after it: Flask-Limiter sets Retry-After
    # on every answer of a limited route to the reset of its window (a minute for
    # signing), but a "not recorded, try again" answer means seconds (g.retry_after).
    @app.after_request
    def keep_own_retry_after(response):
        seconds = g.get("retry_after")
        if seconds is not None:
            response.headers["Retry-After"] = str(seconds)
        return response

    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to see that page.")
    login_manager.localize_callback = str  # translated when flashed, in the member's language
    login_manager.session_protection = "basic"

    from deliberate.web.member_loading import load_member

    login_manager.user_loader(load_member)


def _select_locale() -> str | None:
    """The member's setting, else the browser's preference; the default outside a request.

    CLI commands and the mail worker have an app context but no request: their text (and
    any lazy error message they print) is in the default language. Mail to a member is
    written in that member's language instead (``deliberate.i18n.in_language_of``).
    """
    if not has_request_context():
        return None  # Flask-Babel then uses BABEL_DEFAULT_LOCALE
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated:
        # use_member_language() sets g.member_language when the member changes it.
        language = g.member_language if "member_language" in g else current_user.language
        if language in languages:
            return language
    return request.accept_languages.best_match(languages) or os.environ.get("DEFAULT_LOCALE")
