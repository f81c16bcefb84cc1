"""Where one request's work goes, phase by phase: CPU and Python calls inside each phase.

bench/profile_sign.py --phases uses this. A phase is a function (a Flask hook, the user
loader, a service); ``Phases.timing`` wraps each for the length of a block and adds up
the process CPU spent inside it, and, with ``count_calls``, the Python function calls
made inside it. The calls are the figure to compare between two versions of the code:
they do not depend on how busy the host is, while its CPU per request moved by a
quarter between back-to-back runs of the same code in the eighth pass. Phases nest (the
user loader runs inside the view), so their figures do not add up to the total.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Phase:
    """One wrapped function: where it lives, its label, and what was spent inside it."""

    owner: object  # a class, module or instance whose attribute is the function
    attribute: str
    label: str
    cpu_seconds: float = 0.0
    calls: int = 0


@dataclass
class Phases:
    """A list of phases to wrap together; see the module's docstring."""

    phases: list[Phase] = field(default_factory=list)
    block_cpu_seconds: float = 0.0  # all of the last timed block, phases or not
    block_calls: int = 0
    _calls_so_far: int = 0

    def add(self, owner: object, attribute: str, label: str) -> None:
        self.phases.append(Phase(owner, attribute, label))

    def _count(self, frame, event: str, arg) -> None:
        if event in ("call", "c_call"):
            self._calls_so_far += 1

    def _wrapped(self, phase: Phase, original):
        @functools.wraps(original)
        def timed(*args, **kwargs):
            cpu, calls = time.process_time(), self._calls_so_far
            try:
                return original(*args, **kwargs)
            finally:  # the calls first, so that reading the clock is not one of them
                phase.calls += self._calls_so_far - calls
                phase.cpu_seconds += time.process_time() - cpu

        return timed

    @contextmanager
    def timing(self, *, count_calls: bool) -> Iterator[Phases]:
        """Wrap every phase for the block (and count calls if asked); unwrap after it."""
        originals = []
        for phase in self.phases:
            phase.cpu_seconds, phase.calls = 0.0, 0
            original = phase.owner.__dict__[phase.attribute]  # not a bound method
            originals.append((phase, original))
            setattr(phase.owner, phase.attribute, self._wrapped(phase, original))
        if count_calls:
            sys.setprofile(self._count)
        cpu, calls = time.process_time(), self._calls_so_far
        try:
            yield self
        finally:
            sys.setprofile(None)
            self.block_cpu_seconds = time.process_time() - cpu
            self.block_calls = self._calls_so_far - calls
            for phase, original in originals:
                setattr(phase.owner, phase.attribute, original)

    def figures(self) -> dict[str, tuple[float, int]]:
        """Label → (CPU seconds, calls) of the last timed block, the block itself first."""
        spent = {"all of the request": (self.block_cpu_seconds, self.block_calls)}
        spent.update({phase.label: (phase.cpu_seconds, phase.calls) for phase in self.phases})
        return spent


def report(
    cpu: dict[str, tuple[float, int]],
    cpu_requests: int,
    calls: dict[str, tuple[float, int]],
    calls_requests: int,
) -> str:
    """One line per phase: CPU per request from one block, calls per request from another."""
    lines = []
    for label, (seconds, _) in cpu.items():
        per_request = calls[label][1] / calls_requests
        lines.append(
            f"  {label:32} {seconds * 1000 / cpu_requests:7.3f} ms  {per_request:7.0f} calls"
        )
    return "\n".join(lines)
