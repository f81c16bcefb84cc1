"""Run Deliberate's benchmarks: python bench/run.py [--quick] [--database D] --out FILE.json

Prints a table and writes the figures as JSON (metric name -> value). Scenarios:
counting, export, page, surge (see docs/benchmarks.md). ``--only counting,export``
runs a subset. BENCH_SMOKE=1 shrinks every size to seconds (the smoke test uses it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness, server  # noqa: E402
from bench.harness import Results  # noqa: E402

SCENARIOS = ("counting", "export", "page", "surge")


@dataclass(frozen=True)
class Sizes:
    """Every size the scenarios use; --quick and BENCH_SMOKE pick smaller ones."""

    yes_no_ballots: int = 1_000_000
    stv_synthetic_ballots: int = 200_000
    export_ballots: int = 1_000_000
    export_peak_small: int = 100_000
    export_peak_large: int = 1_000_000
    page_signatures: int = 100_000
    page_comments: int = 2_000
    page_requests: int = 200
    surge_clients: int = 64
    surge_seconds: float = 30.0
    # Each surge runs in this many rounds, each between two raw-insert phases.
    surge_rounds: int = 5
    hello_seconds: float = 10.0
    hello_repeats: int = 4
    timing_repeats: int = 3
    run_peer: bool = True
    stv_dublin: bool = True


FULL = Sizes()
# --quick keeps every size the issue names (they fit in 10 minutes on 2 cores) and
# shortens the load phases and the repeats.
QUICK = Sizes(
    surge_seconds=12.0,
    surge_rounds=4,
    hello_seconds=5.0,
    hello_repeats=3,
    timing_repeats=2,
    page_requests=100,
)
SMOKE = Sizes(
    yes_no_ballots=3_000,
    stv_synthetic_ballots=2_000,
    export_ballots=2_000,
    export_peak_small=1_000,
    export_peak_large=3_000,
    page_signatures=300,
    page_comments=30,
    page_requests=5,
    surge_clients=4,
    surge_seconds=1.0,
    surge_rounds=1,
    hello_seconds=0.5,
    hello_repeats=2,
    timing_repeats=1,
    run_peer=False,
    stv_dublin=False,
)


@dataclass
class Context:
    """What a scenario gets: sizes, the database kind, a work folder, the results."""

    database: str
    sizes: Sizes
    workdir: Path
    results: Results
    workers: int
    threads: int
    admin_url: str | None = None
    notes: dict = field(default_factory=dict)
    server_session: int | None = None  # the running gunicorn's session id, for its CPU

    def fresh_database(self, name: str):
        """A new migrated database for one scenario (context manager yielding its URL)."""
        return server.fresh_database(self.database, self.workdir, self.admin_url, name)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter load phases (< 10 min)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", required=True, type=Path, help="JSON file for the figures")
    parser.add_argument(
        "--only",
        default=",".join(SCENARIOS),
        help=f"comma-separated subset of {','.join(SCENARIOS)}",
    )
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parser.add_argument(
        "--workers",
        type=int,
        default=max(2, cpus or 2),
        help="gunicorn worker processes (default: usable CPUs, at least 2)",
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(args.only) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    smoke = os.environ.get("BENCH_SMOKE") == "1"
    sizes = SMOKE if smoke else QUICK if args.quick else FULL
    mode = "smoke" if smoke else "quick" if args.quick else "full"
    results = Results()
    started = time.perf_counter()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="deliberate-bench.")))
        admin_url = None
        if args.database == "postgresql":
            admin_url = stack.enter_context(server.postgres_admin())
        ctx = Context(args.database, sizes, workdir, results, args.workers, args.threads, admin_url)
        for name in args.only:
            print(f"== {name} ({args.database}, {mode})", flush=True)
            module = __import__(f"bench.scenarios.{name}", fromlist=["run"])
            begun = time.perf_counter()
            module.run(ctx)
            results.add(f"{name}_scenario_s", time.perf_counter() - begun, "s")
    total = time.perf_counter() - started
    results.add("run_total_s", total, "s")
    meta = {
        "database": args.database,
        "mode": mode,
        "scenarios": args.only,
        "sizes": sizes.__dict__,
        "workers": args.workers,
        "threads": args.threads,
        "machine": harness.machine(),
        "notes": ctx.notes,
    }
    harness.write_json(args.out, results.as_json(meta))
    print()
    print(f"Deliberate benchmarks: {args.database}, {mode}, {total:.0f} s")
    print(results.table())
    print(f"figures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
