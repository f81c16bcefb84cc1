"""The proposal page with 100,000 signatures and 2,000 comments: render time and queries.

Two proposals in one fresh database: the big one (sizes.page_signatures signatures,
sizes.page_comments contributions in its discussion) and a small one with a hundredth
of each. Pages are fetched in-process through the WSGI app (app.test_client), so the
time is the app's render time without the network; every SQL statement is counted with
an engine event. "Queries independent of signatures" means the two proposals' pages
issue the same number of statements.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select, update

from bench import seed, server
from bench.harness import percentile

GROUPS = 10


def run(ctx) -> None:
    """Every page figure."""
    from deliberate.extensions import db
    from deliberate.models import Member, Proposal

    r, sizes = ctx.results, ctx.sizes
    with ctx.fresh_database("page") as url:
        app = server.in_process_app(url, ctx.workdir / "page")
        with app.app_context():
            started = time.perf_counter()
            groups = seed.add_groups(db.session, GROUPS)
            db.session.close()
            seed.add_members(db.engine, sizes.page_signatures, prefix="signer", groups=groups)
            members = seed.member_ids(db.session, "signer")
            db.session.close()
            big = _proposal(db, members, sizes.page_signatures, sizes.page_comments, "Big")
            small = _proposal(
                db,
                members,
                max(10, sizes.page_signatures // 100),
                max(2, sizes.page_comments // 100),
                "Small",
            )
            seed.analyze(db.engine)
            viewer = db.session.scalar(select(Member.session_token).where(Member.id == members[-1]))
            refs = {
                name: db.session.get(Proposal, pid).public_id
                for name, pid in (("big", big), ("small", small))
            }
            db.session.close()
            r.add("page_seed_s", time.perf_counter() - started, "s")
            counter = _QueryCounter(db.engine)
            n = sizes.page_requests
            for label, path in (
                ("proposal_page", "/proposals/{ref}"),
                ("discussion_page", "/proposals/{ref}/discussion"),
            ):
                big_times, big_q = _fetch(app, path.format(ref=refs["big"]), n, counter)
                _, small_q = _fetch(app, path.format(ref=refs["small"]), max(3, n // 10), counter)
                r.add(
                    f"{label}_p50_ms",
                    percentile(big_times, 50),
                    "ms",
                    target="<= 50" if label == "proposal_page" else None,
                )
                r.add(f"{label}_p99_ms", percentile(big_times, 99), "ms")
                r.add(f"{label}_queries", big_q, "queries")
                r.add(
                    f"{label}_queries_small",
                    small_q,
                    "queries",
                    note="the same page with 1/100 of the signatures and comments",
                )
                r.add(f"{label}_queries_growth", big_q - small_q, "queries", target="== 0")
            member_times, member_q = _fetch(
                app, f"/proposals/{refs['big']}", n, counter, session_token=viewer
            )
            r.add(
                "proposal_page_member_p50_ms",
                percentile(member_times, 50),
                "ms",
                note="signed in as a member who has signed",
            )
            r.add("proposal_page_member_p99_ms", percentile(member_times, 99), "ms")
            r.add("proposal_page_member_queries", member_q, "queries")
            db.engine.dispose()


class _QueryCounter:
    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args) -> None:
        self.count += 1


def _fetch(app, path: str, n: int, counter: _QueryCounter, session_token: str | None = None):
    """Time n GETs of path; returns (milliseconds each, statements per request)."""
    client = app.test_client()
    if session_token:
        with client.session_transaction() as session:
            session["_user_id"] = session_token
            session["_fresh"] = True
    for _ in range(3):  # warm-up: template compilation, caches
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times, queries = [], []
    for _ in range(n):
        before = counter.count
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        queries.append(counter.count - before)
        assert response.status_code == 200, (path, response.status_code)
    return times, max(queries)


def _proposal(db, members: list[int], signatures: int, comments: int, title: str) -> int:
    """A collecting proposal with that many signatures and contributions; returns its id."""
    from deliberate.models import Proposal

    proposal = seed.collecting_proposal(
        db.session,
        author_id=members[0],
        threshold=10_000_000,
        title=f"{title} proposal: more bike racks",
    )
    proposal_id = proposal.id
    now = datetime.now(UTC)
    opened = now - timedelta(days=30)
    db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id)
        .values(
            signatures_open_at=opened,
            collection_closes_at=now + timedelta(days=30),
            signature_count=signatures,
        )
    )
    db.session.commit()
    db.session.close()
    rng = random.Random(proposal_id)
    group_ids = _group_of(db, members[:signatures])
    tallies: dict[tuple[int, date], int] = {}
    rows = []
    for member_id in members[:signatures]:
        signed = opened + timedelta(seconds=rng.randrange(30 * 86400))
        group = group_ids[member_id]
        tallies[(group, signed.date())] = tallies.get((group, signed.date()), 0) + 1
        rows.append(
            (
                proposal_id,
                member_id,
                group,
                rng.random() < 0.3,
                signed,
                f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
                "bench.example.org",
            )
        )
    seed.bulk_insert(
        db.engine,
        "signature",
        (
            "proposal_id",
            "member_id",
            "local_group_id",
            "is_name_public",
            "signed_at",
            "ip_address",
            "email_domain",
        ),
        rows,
    )
    seed.bulk_insert(
        db.engine,
        "signature_tally",
        ("proposal_id", "group_key", "day", "count"),
        [(proposal_id, g, d, c) for (g, d), c in tallies.items()],
    )
    _discussion(db, proposal_id, members, comments, rng, opened)
    return proposal_id


def _group_of(db, members: list[int]) -> dict[int, int]:
    from deliberate.models import Member

    rows = db.session.execute(select(Member.id, Member.local_group_id)).all()
    db.session.close()
    wanted = set(members)
    return {m: g for m, g in rows if m in wanted}


def _discussion(db, proposal_id: int, members: list[int], comments: int, rng, opened) -> None:
    """A discussion: a quarter top-level posts, the rest replies to them."""
    from deliberate.models import Contribution, Discussion
    from deliberate.models.member import new_public_id

    discussion = Discussion(proposal_id=proposal_id, contribution_count=comments)
    db.session.add(discussion)
    db.session.commit()
    discussion_id = discussion.id
    db.session.close()
    tops = max(1, comments // 4)
    stances = ("FOR", "AGAINST", "QUESTION", "NONE")
    body = "I support this because the station racks are always full. " * 3

    def row(n: int, parent: int | None):
        at = opened + timedelta(seconds=rng.randrange(30 * 86400))
        return (
            new_public_id(),
            discussion_id,
            parent,
            parent,
            0 if parent is None else 1,
            members[rng.randrange(len(members))],
            stances[n % 4],
            body,
            f"<p>{body}</p>",
            rng.randrange(50),
            0,
            at,
            False,
        )

    columns = (
        "public_id",
        "discussion_id",
        "parent_id",
        "root_id",
        "depth",
        "author_id",
        "stance",
        "body_markdown",
        "body_html",
        "endorsement_count",
        "revision_count",
        "created_at",
        "is_hidden",
    )
    seed.bulk_insert(db.engine, "contribution", columns, [row(n, None) for n in range(tops)])
    roots = list(
        db.session.scalars(
            select(Contribution.id).where(Contribution.discussion_id == discussion_id)
        )
    )
    db.session.close()
    seed.bulk_insert(
        db.engine,
        "contribution",
        columns,
        [row(n, rng.choice(roots)) for n in range(comments - tops)],
    )
