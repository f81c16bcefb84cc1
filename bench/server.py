"""Databases and servers for the benchmark: a fresh migrated database, a gunicorn on 127.0.0.1.

SQLite: a new file per scenario. PostgreSQL: a new database per scenario on the server
named by TEST_POSTGRES_ADMIN_URL (or the server of TEST_DATABASE_URL); with neither set, a
throwaway cluster is started here the way scripts/test.sh does it (initdb and pg_ctl from
/usr/lib/postgresql/*/bin, run as the postgres user when we are root), fsync on.
The ideas are those of tests/live/servers.py, without its pytest dependency.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.harness import ROOT

SECRET_KEY = "bench-secret-key-shared-by-every-worker-0123456789"
# Served as in production, behind one proxy, with the production rate limits: each
# signer and voter comes from an address of their own (X-Forwarded-For), so the
# per-address sign limit and the burst check are the real ones, not raised to let one
# load generator's address through.
SERVER_ENV = {
    "SECRET_KEY": SECRET_KEY,
    "MAIL_SERVER": "",
    "BENCH_ENDPOINTS": "1",
    "PROXY_FIX_HOPS": "1",
}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    """Poll url until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout}s")


class PostgresCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1, stopped and deleted by stop()."""

    def __init__(self) -> None:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
        if not candidates:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        self.bin = Path(candidates[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="deliberate-bench-pg."))
        self.port = free_port()
        self.is_root = os.geteuid() == 0
        if self.is_root:
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.is_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> str:
        """Start the cluster; returns its admin URL."""
        data = self.dir / "data"
        self._run(
            "initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {data} -c fsync=on "
            "-c synchronous_commit=on -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-w", "start", "-o", options
        )
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        """Stop the cluster and remove its files."""
        with suppress(subprocess.CalledProcessError, FileNotFoundError):
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def postgres_admin():
    """An admin URL for a PostgreSQL server: the suite's, or a cluster started here."""
    url = os.environ.get("TEST_POSTGRES_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    cluster = PostgresCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def server_env(database_url: str, instance: Path, **extra: str) -> dict:
    """Environment for the app (migrations and gunicorn) on this database."""
    env = {
        **os.environ,
        **SERVER_ENV,
        "DATABASE_URL": database_url,
        "DELIBERATE_INSTANCE": str(instance),
        "SIGNING_KEY_PATH": str(instance / "signing_key.pem"),
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


def migrate(database_url: str, instance: Path) -> None:
    """Build the schema with the project's Alembic migrations."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=server_env(database_url, instance),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"migrations failed on {database_url}:\n{done.stderr[-3000:]}")


@contextmanager
def fresh_database(kind: str, workdir: Path, admin_url: str | None, name: str):
    """A new, migrated database for one scenario; yields its URL and drops it afterwards."""
    instance = workdir / name
    instance.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        url = f"sqlite:///{instance / 'bench.sqlite3'}"
        migrate(url, instance)
        yield url
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    database = f"bench_{name}_{secrets.token_hex(3)}"
    admin = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    try:
        migrate(url, instance)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": database},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        admin.dispose()


def in_process_app(database_url: str, instance: Path):
    """The Flask app on this database, in this process (for seeding and page timing)."""
    from deliberate import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "SIGNING_KEY_PATH": str(instance / "signing_key.pem"),
            "SECRET_KEY": SECRET_KEY,
            "MAIL_SERVER": "",
            "MAIL_SEND_INLINE": True,
            "RATELIMIT_ENABLED": False,
            "SIGNATURE_QUARANTINE_PER_IP_PER_HOUR": 10_000_000,
            "BENCH_ENDPOINTS": True,
        }
    )


@dataclass(frozen=True)
class Gunicorn:
    """A running gunicorn: where it answers and the session id of its processes."""

    base: str
    session_id: int


@contextmanager
def gunicorn(database_url: str, instance: Path, *, workers: int, threads: int):
    """A multi-process gunicorn serving the app on a free port; yields a Gunicorn."""
    port = free_port()
    log = open(instance / "gunicorn.log", "ab")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--backlog",
            "2048",
            "--keep-alive",
            "30",
            "--graceful-timeout",
            "2",
            "--log-level",
            "warning",
            "app:app",
        ],
        cwd=ROOT,
        env=server_env(database_url, instance, LOG_LEVEL="WARNING"),
        start_new_session=True,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield Gunicorn(base, session_id=process.pid)  # start_new_session: sid == its pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
