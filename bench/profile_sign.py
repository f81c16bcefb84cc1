"""CPU per request of a signature, a ballot and the raw insert, in-process, with a profile.

    python bench/profile_sign.py [--database sqlite|postgresql] [--count 2000] [--profile sign]
                                 [--statements] [--phases]

The surge is CPU-bound on two cores, so its ratio to the raw insert follows the ratio of
their CPU costs. This drives the same requests as the surge (each member's own session
cookie, CSRF token and X-Forwarded-For address) straight into the WSGI app of a server
configured as bench/server.py configures gunicorn, one at a time, and prints the process
CPU per request of each kind, the machine's (with the database server's share, one
request at a time) and the Python function calls per request (a count that does not
depend on the host's speed), for the raw insert, the signed-in floor of a member's
form post (bench/scenarios/surge.py), the signature and the ballot. ``--profile``
prints the top of a cProfile of one kind; ``--phases`` prints the CPU and the calls
per request inside each phase of a request (bench/phases.py: the session, the CSRF
check, the member's load, the view's reads and writes) for the raw insert and the
signature; ``--statements`` prints the
SQL that one request of each kind sends (on PostgreSQL every statement is a round trip
to a server sharing the same two cores).
Not a benchmark result: a tool for finding where a request's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import pstats
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load, seed, server  # noqa: E402
from bench.phases import Phases, report  # noqa: E402


def _environ(path: str, cookie: str, token: str, address: str, body: bytes) -> dict:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:5000",
        "HTTP_COOKIE": cookie,
        "HTTP_X_FORWARDED_FOR": address,
        "HTTP_USER_AGENT": load.USER_AGENT,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def _drive(wsgi, requests: list[dict], expect: str) -> int:
    """Send each request; returns how many answers rewrote the session cookie."""
    cookies_set = 0
    for environ in requests:
        answers: list = []

        def start_response(status, headers, exc_info=None, answers=answers):
            answers.append((status, headers))

        for _ in wsgi(environ, start_response):
            pass
        status, headers = answers[0]
        if not status.startswith(expect):
            raise RuntimeError(f"{environ['PATH_INFO']} answered {status}, not {expect}")
        cookies_set += any(name.lower() == "set-cookie" for name, _ in headers)
    return cookies_set


def _measure(name: str, wsgi, requests: list[dict], expect: str, profile: bool) -> float:
    calls = cProfile.Profile(time.process_time)
    # The call count from a profiled pass over a tenth; the CPU from the rest, unprofiled.
    tenth = max(1, len(requests) // 10)
    calls.enable()
    cookies_set = _drive(wsgi, requests[:tenth], expect)
    calls.disable()
    start, machine = time.process_time(), load.machine_busy_seconds()
    _drive(wsgi, requests[tenth:], expect)
    measured = len(requests) - tenth
    cpu_ms = (time.process_time() - start) * 1000 / measured
    machine_ms = (load.machine_busy_seconds() - machine) * 1000 / measured
    stats = pstats.Stats(calls)
    per_request = stats.total_calls / tenth
    print(
        f"{name:12} {cpu_ms:7.2f} ms CPU per request  {machine_ms:7.2f} ms machine CPU  "
        f"{per_request:8.0f} calls per request  {cookies_set / tenth:.0%} of answers set a cookie"
    )
    if profile:
        print(_by_package(stats, tenth))
        out = io.StringIO()
        pstats.Stats(calls, stream=out).sort_stats("tottime").print_stats(40)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(calls, stream=out).sort_stats("cumulative").print_stats(80)
        print(out.getvalue())
    return cpu_ms


def _by_package(stats: pstats.Stats, requests: int) -> str:
    """Own CPU per request of each installed package (and of deliberate), largest first."""
    spent: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/")[1].split("/")[0]
        elif "/deliberate/" in filename:
            package = "deliberate." + filename.split("/deliberate/")[1].split("/")[0]
        else:
            package = "builtins" if filename == "~" else Path(filename).name
        spent[package] = spent.get(package, 0.0) + own
    total = sum(spent.values())
    lines = [f"own CPU by package (profiled, {total * 1000 / requests:.2f} ms per request):"]
    for package, own in sorted(spent.items(), key=lambda item: -item[1])[:20]:
        lines.append(f"  {package:40} {own * 1000 / requests:6.3f} ms  {own / total:5.1%}")
    return "\n".join(lines)


def _request_phases(served) -> Phases:
    """The phases of a request to the raw insert or the signature, outermost first."""
    import flask
    import flask_wtf.csrf

    from deliberate.extensions import login_manager
    from deliberate.services import signable_proposal, signing

    phases = Phases()
    phases.add(flask.sessions.SecureCookieSessionInterface, "open_session", "session cookie read")
    phases.add(flask_wtf.csrf.CSRFProtect, "protect", "CSRF check")
    phases.add(flask.Flask, "preprocess_request", "before-request hooks (CSRF in)")
    phases.add(login_manager, "_user_callback", "member load (user loader)")
    phases.add(signable_proposal, "by_ref", "proposal by reference")
    phases.add(signing, "sign_with", "signing.sign_with")
    phases.add(signing, "_check_may_sign", "  eligibility and window")
    phases.add(signing, "hold_reason", "  burst check")
    phases.add(signing, "_sign_first_time", "  the write")
    phases.add(flask.Flask, "finalize_request", "response")
    return phases


def _measure_phases(name: str, wsgi, requests: list[dict], expect: str, phases: Phases) -> None:
    """Calls per phase from one half of the requests, CPU per phase from the other."""
    half = len(requests) // 2
    with phases.timing(count_calls=True):
        _drive(wsgi, requests[:half], expect)
    calls = phases.figures()
    with phases.timing(count_calls=False):
        _drive(wsgi, requests[half:], expect)
    rest = len(requests) - half
    print(f"{name}, by phase (calls from {half} requests, CPU from {rest} others):")
    print(report(phases.figures(), rest, calls, half))


def _print_statements(name: str, wsgi, request: dict, expect: str, engine) -> None:
    from sqlalchemy import event

    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        # On PostgreSQL, whether the statement commits by itself or inside a transaction,
        # which costs a BEGIN and a COMMIT (two more round trips) around its statements.
        dbapi_connection = conn.connection.dbapi_connection
        alone = "alone " if getattr(dbapi_connection, "autocommit", False) else ""
        sent.append(alone + " ".join(statement.split())[:150])

    event.listen(engine, "before_cursor_execute", record)
    try:
        _drive(wsgi, [request], expect)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    print(f"{name}: {len(sent)} statements")
    for statement in sent:
        print(f"  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--profile", choices=("sign", "vote", "raw", "signed-in"), default=None)
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--phases", action="store_true", help="CPU and calls by phase")
    parser.add_argument(
        "--no-vote", action="store_true", help="measure the raw insert and sign only"
    )
    args = parser.parse_args()
    if args.no_vote and args.profile == "vote":
        parser.error("--profile vote needs the vote measured: drop --no-vote")
    from bench.scenarios import surge

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="profile.")))
        admin = (
            stack.enter_context(server.postgres_admin()) if args.database == "postgresql" else None
        )
        url = stack.enter_context(server.fresh_database(args.database, workdir, admin, "p"))
        instance = workdir / "p"
        seeding = server.in_process_app(url, instance)
        from deliberate.extensions import db

        with seeding.app_context():
            seed.add_members(db.engine, 1, prefix="author")
            seed.add_members(db.engine, args.count, prefix="signer")
            seed.add_members(db.engine, args.count, prefix="voter")
            author = seed.member_ids(db.session, "author")[0]
            proposal = seed.collecting_proposal(
                db.session, author_id=author, threshold=10_000_000, title="Profiled proposal"
            )
            ref = proposal.public_id
            _, referendum_ref = surge._referendum(db)
            signers = surge._mint(seeding, db, "signer")
            voters = surge._mint(seeding, db, "voter")
            db.session.close()
        # The app as gunicorn serves it in the surge: the production settings from the
        # environment, behind one proxy hop.
        os.environ.update(server.server_env(url, instance, LOG_LEVEL="WARNING"))
        import config
        from deliberate import create_app

        served = create_app(importlib.reload(config).Config)
        wsgi = served.wsgi_app
        sign_path, vote_path = f"/proposals/{ref}/sign", f"/referendums/{referendum_ref}/vote"
        sign = [
            _environ(sign_path, c, t, a, f"csrf_token={quote(t)}&show_name=y".encode())
            for c, t, a in signers
        ]
        vote = [
            _environ(vote_path, c, t, a, f"csrf_token={quote(t)}&choice=yes".encode())
            for c, t, a in voters
        ]
        raw = [_environ("/bench/raw-insert", "", "", "127.0.0.1", b"") for _ in range(args.count)]
        if args.statements:
            with served.app_context():
                engine = db.engine
            for name, requests, expect in (
                ("raw", raw, "201"),
                ("sign", sign, "303"),
                ("vote", vote, "201"),
            ):
                _print_statements(name, wsgi, requests.pop(), expect, engine)
        if args.phases:  # a fifth of each kind, set aside before the plain measure
            phased = {"raw": raw[-len(raw) // 5 :], "sign": sign[-len(sign) // 5 :]}
            del raw[-len(raw) // 5 :], sign[-len(sign) // 5 :]
        raw_ms = _measure("raw insert", wsgi, raw, "201", args.profile == "raw")
        # The signed-in floor, with the signers' own cookies and tokens before they sign.
        floor = [
            _environ("/bench/signed-in-insert", c, t, a, f"csrf_token={quote(t)}".encode())
            for c, t, a in signers[: len(sign)]
        ]
        floor_ms = _measure("signed-in", wsgi, floor, "303", args.profile == "signed-in")
        sign_ms = _measure("sign", wsgi, sign, "303", args.profile == "sign")
        print(f"raw/sign CPU {raw_ms / sign_ms:.3f}  signed-in/sign CPU {floor_ms / sign_ms:.3f}")
        if args.phases:
            phases = _request_phases(served)
            _measure_phases("raw insert", wsgi, phased["raw"], "201", phases)
            _measure_phases("sign", wsgi, phased["sign"], "303", phases)
        if not args.no_vote:
            vote_ms = _measure("vote", wsgi, vote, "201", args.profile == "vote")
            print(f"raw/vote CPU {raw_ms / vote_ms:.3f}")


if __name__ == "__main__":
    main()
