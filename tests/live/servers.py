"""Real servers for the live tier: gunicorn processes, a fresh database, Redis.

Each helper starts what it needs on 127.0.0.1 and stops it afterwards. Where a service
cannot be started, the test is skipped locally but fails under CI (CI=true), so the
continuous build never passes by skipping.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]


def unavailable(reason: str):
    """Skip locally, fail in CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required service unavailable in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout}s")


@contextmanager
def fresh_database(tmp_path: Path):
    """A new, migrated database: a SQLite file, or a new PostgreSQL database."""
    postgres = os.environ.get("TEST_DATABASE_URL", "")
    if not postgres:
        url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        migrate(url, tmp_path)
        yield url
        check_invariants(url, tmp_path)
        return
    name = f"live_{secrets.token_hex(4)}"
    admin = create_engine(make_url(postgres), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url, tmp_path)
        yield url
        check_invariants(url, tmp_path)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def server_env(database_url: str, instance: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DELIBERATE_INSTANCE": str(instance),
        "SECRET_KEY": "live-test-secret-key-shared-by-all-servers",
        "MAIL_SERVER": "",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def check_invariants(database_url: str, instance: Path) -> None:
    """Every live test ends with the auditors' invariant checker on what it left behind."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "audit", "check-invariants"],
        cwd=ROOT,
        env=server_env(database_url, instance),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"invariants broken after the test:\n{result.stdout}"


def migrate(database_url: str, instance: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=server_env(database_url, instance),
        check=True,
        capture_output=True,
    )


@contextmanager
def gunicorn(database_url: str, instance: Path, *, workers: int = 2, **env: str):
    """A multi-process gunicorn serving the app on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "2",
            "app:app",
        ],
        cwd=ROOT,
        env=server_env(database_url, instance, **env),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: an unread pipe fills up and stalls the workers.
        stderr=open(instance / f"gunicorn-{port}.log", "ab"),  # noqa: SIM115
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def redis_server():
    """The suite's Redis (TEST_REDIS_URL), or a private one started here."""
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.3)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=5)
