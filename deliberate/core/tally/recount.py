"""Recount a ballot file with any method, for the ``flask recount`` command.

``load_profile(path, format)`` reads a file; ``recount(profile, method, seats)``
returns a JSON-able dict. Exact numbers in the dict are ``int`` when whole and
otherwise the string ``"p/q"`` of the ``Fraction`` (``"26365/3"``), so nothing
is rounded.

The ``deliberate`` CSV format (UTF-8, comma-separated, with a header row)::

    tracker,choice
    7f3a-01,Ada>Grace=Alan
    7f3a-02,Grace
    7f3a-03,Ada;Alan
    7f3a-04,

- ``tracker``: the voter's ballot tracker, unique per row (a repeat is an error).
- ``choice``: one of
  - a ranking, best first: ``>`` separates ranks and ``=`` joins candidates
    ranked equal (``Ada>Grace=Alan``); used by irv, stv, schulze;
  - an approval set joined by ``;`` (``Ada;Alan``), read as one rank; used by
    approval (a ranking also works there: it approves everyone it ranks);
  - a single option name (``Grace``), which is also a one-rank ranking; used by
    plurality;
  - empty: a blank ballot (counted in ``ballots`` but valid for no method).
- Names may not contain ``>``, ``=`` or ``;``; surrounding spaces are dropped.
- Candidates are every name that appears, sorted by Unicode code point (the
  order of rows never matters, so shuffling a file cannot change a tie
  decision), unless ``candidates`` is passed, which then also fixes the
  published order used by the tie rules.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from deliberate.core.errors import ValidationError
from deliberate.core.tally import approval, irv, plurality, preflib, schulze, stv
from deliberate.core.tally.ballots import Ballot, Profile, Ranking, parse_ranking
from deliberate.core.tally.ties import lot_order
from deliberate.core.tally.transfer import Round

METHODS = ("plurality", "approval", "irv", "stv", "schulze")
FORMATS = ("deliberate", "preflib")


def load_profile(
    path: str | Path, format: str = "deliberate", candidates: Sequence[str] | None = None
) -> Profile:
    """Read a ballot file: "preflib" (.soi/.toi/.soc/.toc) or "deliberate" (CSV)."""
    if format == "preflib":
        return preflib.load(path)
    if format != "deliberate":
        raise ValidationError(f"Unknown format {format!r}; use one of {', '.join(FORMATS)}.")
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return parse_csv(handle.read(), candidates, source=Path(path).name)


def parse_csv(
    text: str, candidates: Sequence[str] | None = None, *, source: str = "<csv>"
) -> Profile:
    """Parse the deliberate CSV format described in the module docstring."""
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if header is None or [h.strip().lower() for h in header] != ["tracker", "choice"]:
        raise ValidationError(f"{source} line 1: the header must be 'tracker,choice'.")
    seen: set[str] = set()
    choices: Counter[Ranking] = Counter()
    for number, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) != 2:
            raise ValidationError(f"{source} line {number}: expected 2 fields, got {len(row)}.")
        tracker, choice = row[0].strip(), row[1]
        if not tracker or tracker in seen:
            raise ValidationError(f"{source} line {number}: tracker missing or repeated.")
        seen.add(tracker)
        choices[_parse_choice(choice, f"{source} line {number}")] += 1
    named = sorted({c for ranks in choices for rank in ranks for c in rank})
    order = tuple(named if candidates is None else candidates)
    unknown = set(named) - set(order)
    if unknown:
        raise ValidationError(f"{source}: {sorted(unknown)[0]!r} is not a candidate.")
    # Identical choices are merged; sorting keeps the profile independent of row order.
    ballots = sorted(choices.items(), key=lambda item: _sort_key(item[0], order))
    return Profile(order, tuple(Ballot(ranks, n) for ranks, n in ballots))


def _parse_choice(choice: str, where: str) -> Ranking:
    """A ranking ``A>B=C``, an approval set ``A;B`` or a single name."""
    try:
        if ";" in choice:
            if ">" in choice or "=" in choice:
                raise ValidationError("mixes ';' with '>' or '='")
            names = [name.strip() for name in choice.split(";")]
            if any(not name for name in names) or len(set(names)) != len(names):
                raise ValidationError("has an empty or repeated name")
            return (frozenset(names),)
        ranks = parse_ranking(choice)
    except ValidationError as error:
        raise ValidationError(f"{where}: choice {choice!r} {error.message}") from None
    flat = [c for rank in ranks for c in rank]
    if len(set(flat)) != len(flat):
        raise ValidationError(f"{where}: choice {choice!r} ranks a candidate twice.")
    return ranks


def _sort_key(ranks: Ranking, order: tuple[str, ...]) -> list[list[int]]:
    """Sort key for a ranking by the published candidate order."""
    position = {c: i for i, c in enumerate(order)}
    return [sorted(position[c] for c in rank) for rank in ranks]


def recount(profile: Profile, method: str, seats: int = 1, *, seed: str | None = None) -> dict:
    """Count the profile with the named method and return a JSON-able summary.

    ``seed`` replaces the default tie order (published candidate order) of IRV
    and STV with ``ties.lot_order(candidates, seed)``; both are echoed in the result.
    """
    if method not in METHODS:
        raise ValidationError(f"Unknown method {method!r}; use one of {', '.join(METHODS)}.")
    if seats < 1:
        raise ValidationError("Seats must be at least 1.")
    if method in ("irv", "schulze") and seats != 1:
        raise ValidationError(f"{method} elects one candidate; use stv for more seats.")
    tie_order = None if seed is None else lot_order(profile.candidates, seed)
    summary: dict = {
        "method": method,
        "seats": seats,
        "ballots": profile.total,
        "candidates": list(profile.candidates),
        "seed": seed,
        "tie_order": list(tie_order or profile.candidates),
    }
    if method == "plurality" or method == "approval":
        module = plurality if method == "plurality" else approval
        result = module.count(profile, seats)
        summary |= {
            "winners": list(result.winners),
            "tied": list(result.tied),
            "tallies": result.tallies,
        }
    elif method == "irv":
        result = irv.count(profile, tie_order)
        summary |= {"winners": list(result.winners), "rounds": _rounds(result.rounds)}
    elif method == "stv":
        result = stv.count(profile, seats, tie_order)
        summary |= {
            "winners": list(result.winners),
            "quota": result.quota,
            "valid": result.valid,
            "invalid": result.invalid,
            "rounds": _rounds(result.rounds),
        }
    else:
        result = schulze.count(profile)
        summary |= {
            "winners": list(result.winners),
            "tied": list(result.tied),
            "ranking": [list(level) for level in result.ranking],
            "pairwise": result.pairwise,
            "paths": result.paths,
        }
    return summary


def _number(value: Fraction | int) -> int | str:
    """Whole numbers as int, others as the exact string "p/q"."""
    value = Fraction(value)
    return value.numerator if value.denominator == 1 else str(value)


def _rounds(rounds: tuple[Round, ...]) -> list[dict]:
    """Rounds as plain dicts with exact numbers."""
    return [
        {
            "round": r.number,
            "tallies": {c: _number(v) for c, v in r.tallies.items()},
            "elected": list(r.elected),
            "excluded": list(r.excluded),
            "surplus_of": r.surplus_of,
            "surplus": None if r.surplus is None else _number(r.surplus),
            "exhausted": _number(r.exhausted),
            "tie_breaks": list(r.tie_breaks),
        }
        for r in rounds
    ]
