"""Counting: a million yes/no ballots against SQL's GROUP BY; STV against pref_voting.

Yes/no: the ballots sit in the real ``ballot`` table of a fresh database (SQLite or
PostgreSQL). "Ours" is what closing a vote does to count: ``services.counting.tally``,
which has the database count the ballots per choice (``_choice_counts``, a GROUP BY) and
feeds those counts to core.tally.yes_no, then works out the verdict. The yardstick is
``SELECT choice, COUNT(*) ... GROUP BY choice`` over the same rows, on the same engine.
``tally_rows_s`` keeps the old way, every choice fetched and counted in Python, which is
still what the bundle and the recount CSV cost to read.

STV: core.tally.stv on the Dublin North 2002 election (PrefLib 00001-00000001) and on
seeded synthetic ballots (20 candidates, 9 seats), against pref_voting's stv_scottish,
the same rule (SSI 2007/42). Only the count is timed on either side; parsing and the
conversion to pref_voting's profile are reported separately. Winner sets are compared.
"""

from __future__ import annotations

import hashlib
import random
import time
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text, update

from bench import seed, server
from bench.harness import ROOT, best_of

DUBLIN = ROOT / "tests/core/tally/data/00001-irish/00001-00000001.soi"


def run(ctx) -> None:
    """Every counting figure."""
    _yes_no(ctx)
    _stv(ctx)


def _yes_no(ctx) -> None:
    from deliberate.core.rules import Eligibility
    from deliberate.core.tally import yes_no
    from deliberate.extensions import db
    from deliberate.models import Ballot, Referendum, ReferendumKind, VoteMethod
    from deliberate.services import counting, vote_drafts

    r, n = ctx.results, ctx.sizes.yes_no_ballots
    with ctx.fresh_database("counting") as url:
        app = server.in_process_app(url, ctx.workdir / "counting")
        with app.app_context():
            now = datetime.now(UTC)
            spec = vote_drafts.VoteSpec(
                kind=ReferendumKind.REFERENDUM,
                method=VoteMethod.YES_NO,
                question="Adopt the bench constitution?",
                options=(),
                opens_at=now,
                closes_at=now + timedelta(days=7),
                eligibility=Eligibility(),
            )
            referendum_id = vote_drafts.create(db.session, spec, actor=None, now=now).id
            db.session.close()  # reading .id began a transaction: SQLite's write lock
            started = time.perf_counter()
            # In primary-key order: the table is clustered on its random id (WITHOUT ROWID).
            seed.bulk_insert(
                db.engine,
                "ballot",
                ("id", "referendum_id", "tracker", "choice"),
                sorted(_ballots(referendum_id, n)),
            )
            # The close counts against the electorate frozen at opening: one voter per ballot.
            db.session.execute(
                update(Referendum).where(Referendum.id == referendum_id).values(electorate_size=n)
            )
            db.session.commit()
            seed.analyze(db.engine)
            r.add("tally_seed_s", time.perf_counter() - started, "s", note=f"{n} ballots")

            def ours():
                referendum = db.session.get(Referendum, referendum_id)
                result = counting.tally(db.session, referendum)["tally"]
                db.session.rollback()
                return result

            def load_only():
                referendum = db.session.get(Referendum, referendum_id)
                counts = counting._choice_counts(db.session, referendum)
                db.session.rollback()
                return counts

            def rows():
                choices = db.session.scalars(
                    select(Ballot.choice).where(Ballot.referendum_id == referendum_id)
                )
                result = yes_no.count(choices)
                db.session.rollback()
                return result

            query = text(
                "SELECT choice, COUNT(*) FROM ballot WHERE referendum_id = :r GROUP BY choice"
            )

            def group_by():
                rows = {choice: n for choice, n in db.session.execute(query, {"r": referendum_id})}
                db.session.rollback()
                return rows

            repeats = ctx.sizes.timing_repeats
            group_by()  # warm the page cache and the statement caches on both sides
            load_s, counts = best_of(load_only, 1)
            count_s, _ = best_of(lambda: yes_no.count_grouped(counts.items()), repeats)
            ours_s, tally = best_of(ours, repeats)
            group_s, grouped = best_of(group_by, repeats)
            rows_s, by_rows = best_of(rows, 1)
            expected = tuple(grouped.get(k, 0) for k in ("yes", "no", "abstain"))
            assert tuple(tally[k] for k in ("yes", "no", "abstain")) == expected, (
                "our count and GROUP BY disagree"
            )
            assert (by_rows.yes, by_rows.no, by_rows.abstain) == expected
            r.add("tally_ours_s", ours_s, "s", note="services.counting.tally, as the close runs it")
            r.add(
                "tally_load_s", load_s, "s", note="services.counting._choice_counts alone, one run"
            )
            r.add("tally_core_count_s", count_s, "s", note="core.tally.yes_no.count_grouped")
            r.add("tally_groupby_s", group_s, "s")
            r.add(
                "tally_rows_s",
                rows_s,
                "s",
                note="every choice fetched and counted in Python (the old close; what the "
                "bundle reads)",
            )
            raw_s, _ = best_of(lambda: _raw_fetch(db.engine, referendum_id), 1)
            r.add(
                "tally_load_raw_driver_s",
                raw_s,
                "s",
                note="the same SELECT through the bare DBAPI cursor, for the profile",
            )
            r.add("tally_ratio_to_groupby", ours_s / group_s, "x", target="<= 2")
            r.add("tally_ballots", n)
        with app.app_context():
            db.engine.dispose()


def _raw_fetch(engine, referendum_id: int) -> int:
    """Fetch every choice through the driver alone: the floor under any Python-side count."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        mark = "%s" if engine.dialect.name == "postgresql" else "?"
        cursor.execute(f"SELECT choice FROM ballot WHERE referendum_id = {mark}", (referendum_id,))
        return len(cursor.fetchall())
    finally:
        raw.rollback()
        raw.close()


def _ballots(referendum_id: int, n: int):
    """n ballots: random ids and trackers, 48% yes, 44% no, 8% abstain (seeded)."""
    rng = random.Random(9)
    for i in range(n):
        x = rng.random()
        choice = "yes" if x < 0.48 else "no" if x < 0.92 else "abstain"
        digest = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
        yield digest[:32], referendum_id, hashlib.sha256(digest.encode()).hexdigest(), choice


def synthetic_orders(n: int, candidates: int = 20, parties: int = 5, seed_value: int = 2026):
    """n seeded truncated rankings, aggregated into {order: count} as PrefLib does.

    Voters rank by party, as in Irish and Scottish counts: parties are drawn in a
    Plackett-Luce order (random weights), each party's 4 candidates likewise, and the
    ballot stops after a length drawn from Dublin North's distribution (mostly 3-5,
    8% complete). 200,000 ballots give about 37,000 distinct orders.
    """
    rng = random.Random(seed_value)
    size = candidates // parties
    party_weights = [rng.uniform(0.5, 3.0) for _ in range(parties)]
    cand_weights = [rng.uniform(0.3, 3.0) ** 2 for _ in range(candidates)]
    lengths = (
        [1] * 4
        + [2] * 6
        + [3] * 29
        + [4] * 18
        + [5] * 14
        + [6] * 8
        + [7] * 5
        + [8] * 3
        + [10] * 3
        + [12] * 2
        + [candidates] * 8
    )
    groups = [list(range(p * size, (p + 1) * size)) for p in range(parties)]
    expo = rng.expovariate
    orders: Counter[tuple[int, ...]] = Counter()
    for _ in range(n):
        length = rng.choice(lengths)
        order: list[int] = []
        for party in sorted(range(parties), key=lambda p: expo(party_weights[p])):
            order.extend(sorted(groups[party], key=lambda c: expo(cand_weights[c])))
            if len(order) >= length:
                break
        orders[tuple(order[:length])] += 1
    return orders


def _stv(ctx) -> None:
    from deliberate.core.tally import preflib, stv
    from deliberate.core.tally.ballots import Ballot, Profile

    r = ctx.results
    if ctx.sizes.stv_dublin:
        parse_s, dublin = best_of(lambda: preflib.load(DUBLIN), 1)
        r.add("stv_dublin_parse_s", parse_s, "s")
        ours_dublin, result = best_of(lambda: stv.count(dublin, 4), ctx.sizes.timing_repeats)
        r.add(
            "stv_dublin_north_s",
            ours_dublin,
            "s",
            note=f"{dublin.total} ballots, 12 cand., 4 seats",
        )

    n = ctx.sizes.stv_synthetic_ballots
    started = time.perf_counter()
    orders = synthetic_orders(n)
    names = tuple(f"C{k:02d}" for k in range(20))
    singles = [frozenset([name]) for name in names]
    synthetic = Profile(
        names,
        tuple(Ballot(tuple(singles[c] for c in order), count) for order, count in orders.items()),
    )
    r.add(
        "stv_synthetic_generate_s",
        time.perf_counter() - started,
        "s",
        note=f"{n} ballots, {len(orders)} distinct",
    )
    ours_synth, synth_result = best_of(lambda: stv.count(synthetic, 9), ctx.sizes.timing_repeats)
    r.add("stv_synthetic_s", ours_synth, "s", note=f"{n} ballots, 20 cand., 9 seats")
    r.add("stv_synthetic_ballots", n)
    if not (ctx.sizes.run_peer and ctx.sizes.stv_dublin):
        return
    peer_dublin, dublin_winners = _peer(ctx, dublin, 4)
    peer_synth, synth_winners = _peer(ctx, synthetic, 9, label="synthetic")
    r.add("stv_dublin_peer_s", peer_dublin, "s", note="pref_voting stv_scottish")
    r.add("stv_dublin_winners_match", set(result.winners) == dublin_winners)
    r.add("stv_synthetic_peer_s", peer_synth, "s")
    r.add("stv_synthetic_winners_match", set(synth_result.winners) == synth_winners)
    r.add("stv_dublin_ratio_to_peer", ours_dublin / peer_dublin, "x", target="<= 1")
    r.add("stv_synthetic_ratio_to_peer", ours_synth / peer_synth, "x", target="<= 1")
    r.add(
        "stv_ratio_to_peer",
        max(ours_dublin / peer_dublin, ours_synth / peer_synth),
        "x",
        target="<= 1",
        note="the worse of the two elections",
    )


def _peer(ctx, profile, seats: int, label: str = "dublin") -> tuple[float, set[str]]:
    """Time pref_voting's stv_scottish on the same profile; returns (seconds, winners)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pref_voting.profiles_with_ties import ProfileWithTies
        from pref_voting.proportional_methods import stv_scottish

        started = time.perf_counter()
        index = {c: i for i, c in enumerate(profile.candidates)}
        rankings = [
            {index[c]: r for r, rank in enumerate(b.ranks) for c in rank} for b in profile.ballots
        ]
        theirs = ProfileWithTies(
            rankings,
            rcounts=[b.count for b in profile.ballots],
            candidates=list(range(len(profile.candidates))),
        )
        theirs.use_extended_strict_preference()
        ctx.results.add(f"stv_{label}_peer_convert_s", time.perf_counter() - started, "s")
        seconds, winners = best_of(
            lambda: stv_scottish(theirs, num_seats=seats, rng=random.Random(1)),
            max(1, ctx.sizes.timing_repeats - 1),
        )
    return seconds, {profile.candidates[i] for i in winners}


__all__ = ["run", "synthetic_orders", "Path"]
