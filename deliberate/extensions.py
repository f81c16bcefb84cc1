"""Flask extensions, created unbound here and initialised in create_app()."""

import logging

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from deliberate import rate_limit_storage  # noqa: F401 - a thread-safe memory:// (see there)
from deliberate.models.base import Base, UTCDateTime

# Models are plain SQLAlchemy classes on our own Base; Flask-SQLAlchemy only supplies
# the session, the engine and the metadata to migrations.
db = SQLAlchemy(metadata=Base.metadata)


def _render_item(type_, obj, autogen_context):
    """Write our UTCDateTime as a plain sa.DateTime, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Batch mode: SQLite cannot ALTER most things, so Alembic rebuilds tables instead.
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=_render_item)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
# Flask-Limiter's own INFO line on a breach names the key, which for the per-account sign-in
# limit is whatever was typed in the email field (T44); the 429 handler logs instead.
logging.getLogger("flask-limiter").setLevel(logging.WARNING)
babel = Babel()
