"""What every scenario shares: timing, percentiles, the results table and the JSON file.

A metric is a name, a value, a unit and optionally a target (``<= 2``, ``>= 0.5``,
``== 0``). Absolute figures depend on the machine; targets are only ever set on ratios
measured in the same run, on counts, and on a few millisecond budgets named in issue 9.
"""

from __future__ import annotations

import json
import math
import operator
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_OPS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


@dataclass
class Metric:
    """One figure of the run."""

    name: str
    value: float | int | bool | str | None
    unit: str = ""
    target: str | None = None  # e.g. "<= 2"
    note: str = ""

    @property
    def verdict(self) -> str:
        """ "met", "MISSED", or "" when the metric has no target."""
        if self.target is None or not isinstance(self.value, int | float):
            return ""
        op, bound = self.target.split()
        return "met" if _OPS[op](self.value, float(bound)) else "MISSED"


@dataclass
class Results:
    """Every metric of one run, in the order measured, plus reasons the run is invalid."""

    metrics: dict[str, Metric] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)

    def add(self, name: str, value, unit: str = "", target: str | None = None, note: str = ""):
        """Record (or replace) a metric and echo it, so long runs show progress."""
        if isinstance(value, float):
            value = round(value, 6)
        metric = Metric(name, value, unit, target, note)
        self.metrics[name] = metric
        print(f"  {name} = {value} {unit}".rstrip(), flush=True)
        return metric

    def value(self, name: str):
        """The value of a metric already recorded (None if absent)."""
        metric = self.metrics.get(name)
        return None if metric is None else metric.value

    def mark_invalid(self, reason: str) -> None:
        """The run's figures must not be compared (calibration drifted, errors...)."""
        print(f"  RUN MARKED INVALID: {reason}", flush=True)
        self.invalid.append(reason)

    def as_json(self, meta: dict) -> dict:
        """Flat metric name -> value, plus run-level keys (valid, invalid_reasons, meta)."""
        out: dict = {name: m.value for name, m in self.metrics.items()}
        out["valid"] = not self.invalid
        out["invalid_reasons"] = list(self.invalid)
        out["targets"] = {
            name: {"target": m.target, "verdict": m.verdict}
            for name, m in self.metrics.items()
            if m.target
        }
        out["meta"] = {
            **meta,
            "metric_notes": {n: m.note for n, m in self.metrics.items() if m.note},
        }
        return out

    def table(self) -> str:
        """A plain-text table: metric, value, unit, target, verdict."""
        rows = [("metric", "value", "unit", "target", "")]
        for m in self.metrics.values():
            rows.append((m.name, _fmt(m.value), m.unit, m.target or "", m.verdict))
        widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
        lines = []
        for n, row in enumerate(rows):
            cells = [
                str(c).rjust(w) if i == 1 else str(c).ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        verdict = "VALID" if not self.invalid else "INVALID: " + "; ".join(self.invalid)
        return "\n".join([*lines, "", f"run: {verdict}"])


def _fmt(value) -> str:
    if isinstance(value, float):
        if value == 0 or abs(value) >= 100:
            return f"{value:,.1f}"
        return f"{value:.4g}" if abs(value) < 1 else f"{value:.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def best_of(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """The fastest of ``repeats`` wall-clock timings of fn() (seconds) and its last result."""
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def spread(values: list[float]) -> float:
    """(max - min) / median: how far repeats of one measurement differ."""
    if len(values) < 2:
        return 0.0
    return (max(values) - min(values)) / statistics.median(values)


def machine() -> dict:
    """Where the figures were measured."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }


def write_json(path: Path, data: dict) -> None:
    """Write the figures, sorted, with a final newline."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
