"""Signature and vote surges through the full stack, with the raw limit and calibration.

A real multi-process gunicorn on 127.0.0.1 serves the app on a fresh database, as it
is served in production: behind one proxy hop (PROXY_FIX_HOPS=1) and with the
production rate limits and burst limits. Each simulated member sends its requests
from an address of its own (X-Forwarded-For, as the proxy would set it), as the
members of a real surge do; the hello and raw-insert requests come from 127.0.0.1.
``clients`` concurrent keep-alive clients (64 by default) then, in this order:

- hello #1 (GET /bench/hello, the framework floor; calibration)
- the sign surge, in rounds (``surge_rounds``) between raw-insert phases: raw insert
  (POST /bench/raw-insert: one committed row per request, the database floor), sign,
  raw insert, sign, ..., raw insert. Sign is POST /proposals/<ref>/sign, every request
  a different member's first signature, each with its own session cookie, CSRF token
  and address (session check, CSRF, rate limiter, eligibility, burst check, insert,
  count and tally update, commit; the 303 is not followed)
- hello #2, then the vote surge in the same way: POST /referendums/<id>/vote, one
  ballot per member
- the signed-in insert in the same way: POST /bench/signed-in-insert with a member's
  session cookie and CSRF token (session check, CSRF, the member's load, a permission
  check, one committed row, a 303): the floor of any member's form post. Its ratio to
  the raw insert is the stack's share of a surge's cost; ``sign_ratio_to_signed_in``
  and ``vote_ratio_to_signed_in`` are what signing and voting do on top of it
- hello #3 (and more repeats if asked)

Each round's ratio is its rate over the mean of the raw phases just before and just
after it; ``sign_ratio_to_raw`` and ``vote_ratio_to_raw`` are the median over the
rounds (their min and max are reported too), so a host whose speed drifts, or a round
that met a burst from a neighbour, does not decide the figure. Rates, latencies and CPU
are over all the rounds together. CPU per request is measured for every phase: of the
gunicorn processes (their utime + stime) and of the whole machine (/proc/stat), both
over successful requests.

Sessions are minted with the app's own signing serializer, exactly as /login leaves them
(login_user + generate_csrf in a request context), because argon2 makes a real login of
tens of thousands of members take minutes; one member does log in through the real form
first, to check that path still works. After each surge the database must hold exactly
as many signatures (stored count and rows) or ballots (participation and ballot rows)
as the clients saw acknowledged.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

from sqlalchemy import func, select

from bench import load, seed, server
from bench.harness import spread

MAX_RATE = 900  # requests/s no full-stack write reaches on a small machine: sizes the pools
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def run(ctx) -> None:
    """Every surge and calibration figure."""
    from deliberate.extensions import db

    sizes = ctx.sizes
    pool = max(sizes.surge_clients * 4, math.ceil(MAX_RATE * sizes.surge_seconds))
    with ctx.fresh_database("surge") as url:
        instance = ctx.workdir / "surge"
        app = server.in_process_app(url, instance)
        with app.app_context():
            seed.add_members(db.engine, 1, prefix="author")
            seed.add_members(db.engine, pool, prefix="signer")
            seed.add_members(db.engine, pool, prefix="voter")
            author = seed.member_ids(db.session, "author")[0]
            proposal = seed.collecting_proposal(
                db.session, author_id=author, threshold=10_000_000, title="Surge proposal"
            )
            proposal_id, proposal_ref = proposal.id, proposal.public_id
            referendum_id, referendum_ref = _referendum(db)
            signers = _mint(app, db, "signer")
            voters = _mint(app, db, "voter")
            db.session.close()
        with server.gunicorn(url, instance, workers=ctx.workers, threads=ctx.threads) as served:
            ctx.server_session = served.session_id
            _surges(
                ctx,
                app,
                served.base,
                proposal_id,
                proposal_ref,
                referendum_id,
                referendum_ref,
                signers,
                voters,
            )
        with app.app_context():
            db.engine.dispose()


def _referendum(db) -> tuple[int, str]:
    from deliberate.core.rules import Eligibility
    from deliberate.models import ReferendumKind, VoteMethod
    from deliberate.services import vote_drafts

    now = datetime.now(UTC)
    spec = vote_drafts.VoteSpec(
        kind=ReferendumKind.REFERENDUM,
        method=VoteMethod.YES_NO,
        question="Adopt the surge motion?",
        options=(),
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=7),
        eligibility=Eligibility(),
    )
    made = vote_drafts.create(db.session, spec, actor=None, now=now)
    ids = made.id, made.public_id
    db.session.close()
    return ids


def address(n: int) -> str:
    """The n-th simulated member's own address, from 10.0.0.0/8 (16 million of them)."""
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def _mint(app, db, prefix: str) -> list[tuple[str, str, str]]:
    """(cookie header, CSRF form token, address) for every member with this prefix.

    As login leaves them, from the member's own address (Flask-Login's session
    protection binds the session to it).
    """
    from flask import g, session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from deliberate.models import Member

    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    members = (
        db.session.scalars(
            select(Member)
            .where(Member.email.like(f"{prefix}%@bench.example.org"))
            .order_by(Member.id)
        )
        .unique()
        .all()
    )
    out = []
    for member in members:
        forwarded_for = address(member.id)
        headers = {"User-Agent": load.USER_AGENT, "X-Forwarded-For": forwarded_for}
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers=headers):
            g.pop("csrf_token", None)  # g is the app context's, shared by these requests
            login_user(member)
            token = generate_csrf()
            out.append((f"{name}={serializer.dumps(dict(session))}", token, forwarded_for))
    return out


class _Pool:
    """Prepared requests, one per member, taken by whichever client asks next; None once
    they run out.

    One list for all the clients: the server does not serve its connections equally (in
    one run some clients sent three times the mean), and a share per client ran out for
    the fastest ones while members were left over.
    """

    def __init__(self, requests: list[bytes]) -> None:
        self.requests = requests[::-1]

    def __call__(self, index: int) -> bytes | None:
        return self.requests.pop() if self.requests else None


def _phase(ctx, base: str, label: str, next_request, expect: int, seconds: float):
    result = load.run_load(
        base,
        label=label,
        clients=ctx.sizes.surge_clients,
        seconds=seconds,
        next_request=next_request,
        expect=expect,
        server_session=ctx.server_session,
    )
    print(
        f"  [{label}] {result.ok} ok, {result.errors} errors, {result.rate:.0f}/s, "
        f"p50 {result.p(50):.1f} ms, p99 {result.p(99):.1f} ms, client cpu "
        f"{result.client_cpu_share:.0%}, CPU per request: gunicorn "
        f"{result.cpu_ms_per_request(result.server_cpu_s):.2f} ms, machine "
        f"{result.cpu_ms_per_request(result.machine_cpu_s):.2f} ms; statuses {result.statuses}",
        flush=True,
    )
    for sample in result.error_samples:
        print(f"    error sample: {sample[:300]}", flush=True)
    return result


@dataclass(frozen=True)
class _Surge:
    """A surge run in rounds: its requests, the raw inserts around them, each round's ratio."""

    writes: load.LoadResult
    raw: load.LoadResult
    ratios: list[float]


def _interleaved(ctx, base: str, name: str, pool: _Pool, expect: int, raw: bytes) -> _Surge:
    """raw, surge, raw, surge, ..., raw: each round's rate against the raw phases around it.

    The host's speed drifts by a third within a minute (steal time from its neighbours);
    short rounds, each measured against the floor just before and just after it, keep
    that drift out of the ratio, and the median keeps out a round that met a burst.
    """
    rounds, seconds = ctx.sizes.surge_rounds, ctx.sizes.surge_seconds / ctx.sizes.surge_rounds
    raws = [_phase(ctx, base, f"raw insert (before {name})", lambda i: raw, 201, seconds)]
    writes = []
    for n in range(1, rounds + 1):
        writes.append(_phase(ctx, base, f"{name} round {n}", pool, expect, seconds))
        raws.append(
            _phase(ctx, base, f"raw insert (after {name} round {n})", lambda i: raw, 201, seconds)
        )
    ratios = [
        w.rate / statistics.mean((before.rate, after.rate))
        for w, before, after in zip(writes, raws, raws[1:], strict=False)
    ]
    return _Surge(load.combined(name, writes), load.combined(f"raw insert ({name})", raws), ratios)


def _report(r, name: str, result) -> None:
    r.add(f"{name}_rps", result.rate, "req/s")
    r.add(f"{name}_p50_ms", result.p(50), "ms")
    r.add(f"{name}_p99_ms", result.p(99), "ms")
    r.add(f"{name}_errors", result.errors, "", target="== 0")
    r.add(f"{name}_gunicorn_cpu_ms", result.cpu_ms_per_request(result.server_cpu_s), "ms")
    r.add(f"{name}_machine_cpu_ms", result.cpu_ms_per_request(result.machine_cpu_s), "ms")
    if result.exhausted_clients:
        r.add(
            f"{name}_exhausted_clients",
            result.exhausted_clients,
            note="clients ran out of prepared members: the rate is a lower bound",
        )


def _surges(
    ctx, app, base, proposal_id, proposal_ref, referendum_id, referendum_ref, signers, voters
) -> None:
    r, sizes = ctx.results, ctx.sizes
    host = urlsplit(base).netloc
    hello = load.get("/bench/hello", host)
    raw = load.post("/bench/raw-insert", host, "value=x")
    _check_real_login(base, proposal_ref)
    # Warm-up: create bench_raw, load every route once in every worker.
    warm = load.run_load(
        base,
        label="warm-up",
        clients=sizes.surge_clients,
        seconds=1.0,
        next_request=lambda i: raw if i % 2 else hello,
        expect=200,
    )
    del warm
    sign_requests = [
        load.post(
            f"/proposals/{proposal_ref}/sign",
            host,
            f"csrf_token={quote(token)}&show_name=y",
            cookie,
            forwarded_for,
        )
        for cookie, token, forwarded_for in signers
    ]
    vote_requests = [
        load.post(
            f"/referendums/{referendum_ref}/vote",
            host,
            f"csrf_token={quote(token)}&choice=yes",
            cookie,
            forwarded_for,
        )
        for cookie, token, forwarded_for in voters
    ]
    hello_seconds = sizes.hello_seconds
    hellos = [_phase(ctx, base, "hello #1", lambda i: hello, 200, hello_seconds)]
    signing = _interleaved(ctx, base, "sign", _Pool(sign_requests), 303, raw)
    hellos.append(_phase(ctx, base, "hello #2", lambda i: hello, 200, hello_seconds))
    voting = _interleaved(ctx, base, "vote", _Pool(vote_requests), 201, raw)
    signed_in = _interleaved(ctx, base, "signed-in insert", _signed_in(host, signers), 303, raw)
    for n in range(3, sizes.hello_repeats + 2):
        hellos.append(_phase(ctx, base, f"hello #{n}", lambda i: hello, 200, hello_seconds))

    rates = [h.rate for h in hellos]
    r.add("hello_rps", statistics.median(rates), "req/s")
    r.add("hello_p50_ms", statistics.median(h.p(50) for h in hellos), "ms")
    r.add(
        "hello_rps_spread",
        spread(rates),
        "",
        target="<= 0.25",
        note="(max - min) / median of the hello repeats across the run",
    )
    r.add(
        "hello_client_cpu_share",
        statistics.median(h.client_cpu_share for h in hellos),
        "",
        note="CPU the load generator itself used during hello (1.0 = one core)",
    )
    r.add("hello_errors", sum(h.errors for h in hellos), "", target="== 0")
    r.add(
        "hello_gunicorn_cpu_ms",
        statistics.median(h.cpu_ms_per_request(h.server_cpu_s) for h in hellos),
        "ms",
    )
    if spread(rates) > 0.25:
        ctx.results.mark_invalid(f"hello repeats differ by {spread(rates):.0%} (> 25%)")
    _report(r, "raw_insert", signing.raw)
    r.add("raw_insert_around_sign_rps", signing.raw.rate, "req/s")
    r.add("raw_insert_around_vote_rps", voting.raw.rate, "req/s")
    for name, surge in (("sign", signing), ("vote", voting)):
        _report(r, name, surge.writes)
        r.add(
            f"{name}_ratio_to_raw",
            statistics.median(surge.ratios),
            "x",
            target=">= 0.5",
            note=f"median over {len(surge.ratios)} rounds, each against the raw phases around it",
        )
        r.add(f"{name}_ratio_to_raw_min", min(surge.ratios), "x")
        r.add(f"{name}_ratio_to_raw_max", max(surge.ratios), "x")
    _report(r, "signed_in_insert", signed_in.writes)
    floor = statistics.median(signed_in.ratios)
    r.add(
        "signed_in_insert_ratio_to_raw",
        floor,
        "x",
        note="the floor of a member's form post (session, CSRF, member, one row, 303)",
    )
    for name, surge in (("sign", signing), ("vote", voting)):
        r.add(
            f"{name}_ratio_to_signed_in",
            statistics.median(surge.ratios) / floor,
            "x",
            note=f"{name}_ratio_to_raw / signed_in_insert_ratio_to_raw: the feature's own cost",
        )
    signatures, stored, ballots, participations = _final_counts(app, proposal_id, referendum_id)
    expected_signatures = signing.writes.ok + 1  # + the real-login check's signature
    r.add("sign_acknowledged", expected_signatures)
    r.add("sign_final_count", stored)
    r.add(
        "sign_count_exact",
        int(stored == signatures == expected_signatures),
        "",
        target="== 1",
        note="stored count == signature rows == acknowledged",
    )
    r.add("vote_acknowledged", voting.writes.ok)
    r.add("vote_final_count", ballots)
    r.add(
        "vote_count_exact",
        int(ballots == participations == voting.writes.ok),
        "",
        target="== 1",
        note="ballot rows == participation rows == acknowledged",
    )


def _signed_in(host: str, members: list[tuple[str, str, str]]):
    """The signed-in insert of each member in turn, round and round: it can be repeated."""
    requests = itertools.cycle(
        [
            load.post(
                "/bench/signed-in-insert", host, f"csrf_token={quote(token)}", cookie, forwarded
            )
            for cookie, token, forwarded in members
        ]
    )
    return lambda index: next(requests)


def _check_real_login(base: str, proposal_ref: str) -> None:
    """One member signs in through the real form (argon2, CSRF) and signs: the slow path."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def token(path: str) -> str:
        with opener.open(base + path) as page:
            return CSRF_RE.search(page.read().decode()).group(1)

    email = quote("author0@bench.example.org")
    form = f"csrf_token={quote(token('/login'))}&email={email}&password={seed.PASSWORD}"
    with opener.open(base + "/login", data=form.encode()) as answer:
        assert answer.status == 200, answer.status
    assert any(c.name == "session" for c in jar), "the real login did not set a session"
    body = f"csrf_token={quote(token(f'/proposals/{proposal_ref}'))}&show_name=y"
    with opener.open(base + f"/proposals/{proposal_ref}/sign", data=body.encode()) as answer:
        page = answer.read().decode()
        assert "your signature is recorded" in page, "the real-login signature failed"


def _final_counts(app, proposal_id: int, referendum_id: int) -> tuple[int, int, int, int]:
    from deliberate.extensions import db
    from deliberate.models import Ballot, Participation, Proposal, Signature

    with app.app_context():
        session = db.session
        signatures = session.scalar(
            select(func.count()).select_from(Signature).where(Signature.proposal_id == proposal_id)
        )
        stored = session.scalar(select(Proposal.signature_count).where(Proposal.id == proposal_id))
        ballots = session.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.referendum_id == referendum_id)
        )
        participations = session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.referendum_id == referendum_id)
        )
        session.close()
    return signatures, stored, ballots, participations
