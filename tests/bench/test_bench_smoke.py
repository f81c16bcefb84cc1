"""The benchmark harness still runs: bench/run.py at smoke sizes writes every key it promises.

Benchmarks are not tests and CI does not run them; this only fails when the harness,
or an interface it measures (the tally cores, the bundle writer), breaks.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_at_smoke_size(tmp_path, scenarios: str, timeout: int) -> tuple[str, dict]:
    """bench/run.py --quick --only ``scenarios`` at BENCH_SMOKE sizes: (stdout, figures)."""
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--only", scenarios, "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "BENCH_SMOKE": "1", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout, json.loads(out.read_text())


def test_counting_and_export_run_at_smoke_sizes(tmp_path):
    printed, figures = run_at_smoke_size(tmp_path, "counting,export", timeout=120)
    for key in (
        "tally_ratio_to_groupby",
        "stv_synthetic_s",
        "export_ratio_to_csv",
        "export_peak_mb_100k",
        "export_peak_mb_1m",
    ):
        assert isinstance(figures[key], int | float), key
    assert figures["valid"] is True
    assert figures["meta"]["mode"] == "smoke"
    assert "tally_ratio_to_groupby" in printed  # the table was printed


def test_the_surge_runs_at_smoke_size_and_every_acknowledged_signature_and_ballot_is_stored(
    tmp_path,
):
    # Through a real gunicorn, behind the proxy hop, each simulated member from its own
    # address: a harness change that broke the sessions, the addresses or the
    # bookkeeping shows up as errors or a count that is not exact.
    _printed, figures = run_at_smoke_size(tmp_path, "surge", timeout=300)
    assert figures["sign_acknowledged"] > 1
    assert figures["vote_acknowledged"] > 0
    assert (figures["sign_errors"], figures["vote_errors"]) == (0, 0)
    assert (figures["sign_count_exact"], figures["vote_count_exact"]) == (1, 1)
    assert isinstance(figures["sign_ratio_to_raw"], float)
    # The signed-in floor went through the session, CSRF and member checks: a 303 each.
    assert figures["signed_in_insert_rps"] > 0
    assert figures["signed_in_insert_errors"] == 0
    assert isinstance(figures["sign_ratio_to_signed_in"], float)
