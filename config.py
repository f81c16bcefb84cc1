"""Settings, read from environment variables with documented defaults.

Every setting below can be overridden by an environment variable of the same name.
`Config` is for development and production; `TestConfig` for the test suite.
"""

import os
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("DELIBERATE_INSTANCE", Path(__file__).parent / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Development and production settings."""

    # "development" prints mail to the console and an outbox folder; "production" refuses
    # to start without a real SECRET_KEY and sends mail through SMTP.
    ENV_NAME = os.environ.get("DELIBERATE_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key")
    INSTANCE_PATH = str(INSTANCE_DIR)

    # Database: SQLite file in the instance folder unless DATABASE_URL says otherwise.
    # PostgreSQL URLs must use the psycopg 3 driver: postgresql+psycopg://user@host/db
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'deliberate.sqlite3'}"
    )
    # Seconds a write waits for a busy database before the user is told "not recorded".
    DATABASE_BUSY_TIMEOUT = _int("DATABASE_BUSY_TIMEOUT", 5)
    # SQLite: fail any transaction that writes after reading without begin_write()
    # (deliberate/database.py). On in the test suite; production skips the check.
    DATABASE_CHECK_WRITES = _bool("DATABASE_CHECK_WRITES", False)

    # The organisation.
    ORG_NAME = os.environ.get("ORG_NAME", "Deliberate Demo Organisation")
    ORG_TIMEZONE = os.environ.get("ORG_TIMEZONE", "Europe/London")
    ORG_DECLARATION = os.environ.get(
        "ORG_DECLARATION",
        "I support the aims and values of the organisation and agree to abide by its rules.",
    )
    # "open": anyone may register; "roll": only emails on the imported membership roll.
    ADMISSION_MODE = os.environ.get("ADMISSION_MODE", "open")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Mail. MAIL_SERVER empty means the development outbox (files + console).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 10)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Deliberate <no-reply@deliberate.test>")
    # Try to deliver queued mail at the end of the request that queued it. The worker
    # (`flask --app app worker`) retries whatever is still waiting either way.
    MAIL_SEND_INLINE = _bool("MAIL_SEND_INLINE", True)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)

    # Rate limits (Flask-Limiter). Use redis://host:port/0 when running several servers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Sign-in attempts per account, and per address. An address is often shared (a branch
    # meeting on the venue's wifi, an office behind one NAT), so its limit is looser: the
    # per-account limit is what stops a password being guessed (T29).
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute;50 per hour")
    RATELIMIT_LOGIN_PER_ADDRESS = os.environ.get(
        "RATELIMIT_LOGIN_PER_ADDRESS", "60 per minute;600 per hour"
    )
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per minute;30 per hour")
    # Receipt checks, per address: a receipt is 128 bits, but guessing is still throttled (T39).
    RATELIMIT_RECEIPT = os.environ.get("RATELIMIT_RECEIPT", "10 per minute;100 per hour")
    # Reset, email-confirmation and new-address links, per address, GET and POST together:
    # their tokens are 256 bits, but guessing is still throttled (T31).
    RATELIMIT_ACCOUNT_LINK = os.environ.get("RATELIMIT_ACCOUNT_LINK", "10 per minute;100 per hour")
    # Ballots are sealed in checkpoints of at least this many, this many minutes apart
    # (`flask referendums checkpoint` or `tick`), and always at the close.
    BALLOT_CHECKPOINT_MIN = _int("BALLOT_CHECKPOINT_MIN", 20)
    BALLOT_CHECKPOINT_MINUTES = _int("BALLOT_CHECKPOINT_MINUTES", 30)
    # Proposals: drafts per member; signatures per connection (bots sign from one address).
    RATELIMIT_PROPOSE = os.environ.get("RATELIMIT_PROPOSE", "5 per hour;20 per day")
    RATELIMIT_SIGN = os.environ.get("RATELIMIT_SIGN", "30 per minute;300 per hour")
    # Beyond this many signatures on one proposal within an hour from one IP address (or
    # email domain), further ones are stored but held, not counted, until the committee
    # releases or rejects them on /admin/signatures (T32). 0 turns a check off. The domain
    # check is off by default: big mail providers share a domain with half the members.
    SIGNATURE_QUARANTINE_PER_IP_PER_HOUR = _int("SIGNATURE_QUARANTINE_PER_IP_PER_HOUR", 20)
    SIGNATURE_QUARANTINE_PER_DOMAIN_PER_HOUR = _int("SIGNATURE_QUARANTINE_PER_DOMAIN_PER_HOUR", 0)
    # The committee invalidates matching signatures at most this many per confirmation:
    # each batch is one short transaction and one audit entry; stopping cancels (T33).
    SIGNATURE_INVALIDATION_BATCH = _int("SIGNATURE_INVALIDATION_BATCH", 5000)
    # Posting, replying and editing in debates, per member.
    RATELIMIT_POST = os.environ.get("RATELIMIT_POST", "10 per minute;100 per hour")
    RATELIMIT_HEADERS_ENABLED = True

    # Sessions: signed cookies, checked against a per-member session token in the database,
    # so any number of app servers can serve one organisation.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = _int("PERMANENT_SESSION_LIFETIME", 8 * 3600)

    # Roles that must use two-factor sign-in (comma-separated, e.g. "committee,auditor").
    # Any member may turn it on; these roles are sent to enrol before privileged pages.
    REQUIRE_TWO_FACTOR_ROLES = os.environ.get("REQUIRE_TWO_FACTOR_ROLES", "")

    # Token lifetimes, in seconds.
    VERIFY_TOKEN_MAX_AGE = _int("VERIFY_TOKEN_MAX_AGE", 3 * 24 * 3600)
    RESET_TOKEN_MAX_AGE = _int("RESET_TOKEN_MAX_AGE", 3600)

    # Request size limits (T18).
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = _int("MAX_FORM_MEMORY_SIZE", 500_000)
    MAX_FORM_PARTS = _int("MAX_FORM_PARTS", 1000)

    # Trust X-Forwarded-For from this many proxies (0 = none; never trust it by default).
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)

    # The Ed25519 key that signs audit bundles (created on first use if missing).
    SIGNING_KEY_PATH = os.environ.get("SIGNING_KEY_PATH", str(INSTANCE_DIR / "signing_key.pem"))
    # The audit log's head after each commit that added to it, kept outside the database
    # (services/audit_witness.py). Empty: audit-witness.jsonl in the instance folder.
    AUDIT_WITNESS_PATH = os.environ.get("AUDIT_WITNESS_PATH", "")
    RATELIMIT_API = os.environ.get("RATELIMIT_API", "300 per minute")
    # Mount /bench/hello and /bench/raw-insert for bench/run.py. Never in production.
    BENCH_ENDPOINTS = _bool("BENCH_ENDPOINTS", False)

    LANGUAGES = ["en", "es"]
    BABEL_DEFAULT_LOCALE = "en"
    WTF_CSRF_TIME_LIMIT = _int("WTF_CSRF_TIME_LIMIT", 3600)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}


class TestConfig(Config):
    """The test suite: a throwaway database, no real mail, CSRF still on."""

    ENV_NAME = "test"
    TESTING = True
    DATABASE_CHECK_WRITES = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    MAIL_SERVER = ""
    MAIL_SEND_INLINE = True
    RATELIMIT_STORAGE_URI = "memory://"
    ADMISSION_MODE = "open"
    BASE_URL = "http://localhost"
