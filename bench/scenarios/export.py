"""Export: the auditor's bundle of N ballots against csv.writer streaming the same rows.

Ballots are generated lazily, already sorted by tracker (64 hex characters spaced evenly
over the tracker space), with yes/no/abstain choices and checkpoints of 1,000 ballots,
so neither side ever holds the list. Both write to a file in the work folder.
Peak memory is the peak RSS (VmHWM) of a fresh subprocess per size, so each peak is
clean; the target is on the growth from 100,000 to 1,000,000 ballots.

Run as ``python -m bench.scenarios.export --peak N FILE`` to measure one peak.
"""

from __future__ import annotations

import csv
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import ROOT, best_of

BATCH = 1_000


def ballots(n: int):
    """n (tracker, choice, seq) rows sorted by tracker, made one at a time."""
    step = (1 << 256) // (n + 1)
    for i in range(n):
        tracker = f"{i * step + (i * 2654435761) % step:064x}"
        choice = ("yes", "no", "yes", "abstain", "no")[i % 5]
        yield tracker, choice, 1 + (i * 7919) % max(1, n // BATCH)


def checkpoints(n: int, referendum_id: str = "bench-ref"):
    """Checkpoint records for the seqs ballots() uses (digests made up; not verified here)."""
    from deliberate.core.ballot_chain import Checkpoint

    count = max(1, n // BATCH)
    prev = hashlib.sha256(b"definition").hexdigest()
    out = []
    for seq in range(1, count + 1):
        digest = hashlib.sha256(f"{seq}".encode()).hexdigest()
        out.append(Checkpoint(referendum_id, seq, prev, BATCH, digest, digest))
        prev = digest
    return out


def write_bundle_file(n: int, path: Path) -> None:
    """The real write_bundle, streaming n generated ballots into path."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from deliberate.core.bundle.writer import write_bundle

    definition = {"question": "Adopt the bench constitution?", "method": "yes_no"}
    with path.open("wb") as out:
        write_bundle(
            out,
            referendum={"id": "bench-ref", "definition": definition},
            results={
                "method": "yes_no",
                "ballot_count": n,
                "totals": {"yes": 0, "no": 0, "abstain": 0},
            },
            ballots=ballots(n),
            checkpoints=checkpoints(n),
            participation_by_group={"Group 00": n},
            electorate_size=n,
            electorate_hash=hashlib.sha256(b"electorate").hexdigest(),
            rule_version={"number": 1},
            signing_key=Ed25519PrivateKey.generate(),
        )


def write_csv_file(n: int, path: Path) -> None:
    """The yardstick: the same rows through csv.writer into a plain file."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(("tracker", "choice", "checkpoint_seq"))
        writer.writerows(ballots(n))


def peak_mb(n: int, workdir: Path) -> float:
    """Peak RSS (MB) of a fresh process that writes one bundle of n ballots."""
    out = workdir / f"peak-{n}.zip"
    done = subprocess.run(
        [sys.executable, "-m", "bench.scenarios.export", "--peak", str(n), str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    out.unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_mb"]


def run(ctx) -> None:
    """Every export figure."""
    r, n = ctx.results, ctx.sizes.export_ballots
    folder = ctx.workdir / "export"
    folder.mkdir(exist_ok=True)
    repeats = ctx.sizes.timing_repeats
    bundle_s, _ = best_of(lambda: write_bundle_file(n, folder / "bundle.zip"), repeats)
    csv_s, _ = best_of(lambda: write_csv_file(n, folder / "ballots.csv"), repeats)
    gen_s, _ = best_of(lambda: sum(1 for _ in ballots(n)), 1)
    r.add("export_bundle_s", bundle_s, "s", note=f"{n} ballots")
    r.add("export_csv_s", csv_s, "s")
    r.add("export_generate_s", gen_s, "s", note="making the rows alone, inside both figures")
    r.add("export_bundle_mb", (folder / "bundle.zip").stat().st_size / 1e6, "MB")
    r.add("export_ratio_to_csv", bundle_s / csv_s, "x", target="<= 1.5")
    small, large = ctx.sizes.export_peak_small, ctx.sizes.export_peak_large
    peak_small, peak_large = peak_mb(small, folder), peak_mb(large, folder)
    r.add("export_peak_mb_100k", peak_small, "MB", note=f"{small} ballots")
    r.add("export_peak_mb_1m", peak_large, "MB", note=f"{large} ballots")
    r.add("export_peak_growth_mb", peak_large - peak_small, "MB", target="<= 64")


def _peak_main(argv: list[str]) -> None:
    n, path = int(argv[1]), Path(argv[2])
    started = time.perf_counter()
    write_bundle_file(n, path)
    print(
        json.dumps({"peak_mb": round(_peak_rss_mb(), 1), "seconds": time.perf_counter() - started})
    )


def _peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: ru_maxrss survives exec, so a child
    of a big parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "--peak":
        sys.exit("usage: python -m bench.scenarios.export --peak N FILE")
    _peak_main(sys.argv[1:])
