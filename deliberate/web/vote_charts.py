"""Turning a stored result into what the results page draws: bars, round tables, the matrix.

Bars are SVG rectangles whose widths are attributes (never style attributes, which the
CSP forbids); every chart has a table beside it with the same numbers.
"""

from dataclasses import dataclass
from fractions import Fraction

from deliberate.models import Referendum, VoteMethod


@dataclass(frozen=True)
class Bar:
    label: str
    value: str
    width: str  # percent of the widest bar, as an SVG length "42.5%"
    y: int
    is_winner: bool = False


@dataclass(frozen=True)
class RoundTable:
    candidates: list[str]
    rounds: list[dict]


def _exact(value) -> Fraction:
    return Fraction(value) if not isinstance(value, str) else Fraction(value)


def _shown(value) -> str:
    """Whole numbers as they are, fractions to two decimals (the exact value is in the JSON)."""
    number = _exact(value)
    if number.denominator == 1:
        return f"{number.numerator:,}"
    return f"{float(number):,.2f}"


def bars(items: list[tuple[str, object]], winners: set[str] = frozenset()) -> list[Bar]:
    """Horizontal bars scaled to the largest value."""
    top = max((_exact(v) for _, v in items), default=Fraction(0)) or Fraction(1)
    return [
        Bar(
            label,
            _shown(value),
            f"{float(_exact(value) / top * 100):.1f}%",
            index * 28,
            label in winners,
        )
        for index, (label, value) in enumerate(items)
    ]


def _rounds(rounds: list[dict], labels: dict[str, str], order: list[str]) -> RoundTable:
    rows = []
    for r in rounds:
        rows.append(
            {
                "number": r["round"],
                "cells": [_shown(r["tallies"][c]) if c in r["tallies"] else "" for c in order],
                "elected": [labels.get(c, c) for c in r["elected"]],
                "excluded": [labels.get(c, c) for c in r["excluded"]],
                "surplus_of": labels.get(r["surplus_of"], r["surplus_of"])
                if r["surplus_of"]
                else None,
                "exhausted": _shown(r["exhausted"]),
                "tie_breaks": r["tie_breaks"],
            }
        )
    return RoundTable([labels.get(c, c) for c in order], rows)


def results_view(referendum: Referendum, result: dict) -> dict:
    """Everything the results template needs beyond the stored result itself."""
    view: dict = {"bars": [], "rounds": None, "matrix": None, "ranking": None}
    if referendum.method is VoteMethod.YES_NO:
        tally = result["tally"]
        view["bars"] = bars([(k, tally[k]) for k in ("yes", "no", "abstain")])
        return view
    if referendum.method is VoteMethod.DOUBLE_YES:
        view["bars"] = bars([(k, v) for k, v in result["initiative"]["tally"].items()])
        view["counter_bars"] = bars([(k, v) for k, v in result["counter"]["tally"].items()])
        return view
    count, labels = result["count"], result["labels"]
    order = count["candidates"]
    winners = {labels[w] for w in count["winners"]}
    if "tallies" in count:
        view["bars"] = bars([(labels[c], count["tallies"][c]) for c in order], winners)
    if "rounds" in count:
        view["rounds"] = _rounds(count["rounds"], labels, order)
        first = count["rounds"][0]["tallies"] if count["rounds"] else {}
        view["bars"] = bars([(labels[c], first.get(c, 0)) for c in order], winners)
        view["quota"] = count.get("quota")
    if "pairwise" in count:
        view["matrix"] = {
            "names": [labels[c] for c in order],
            "rows": [
                (labels[a], [("" if a == b else count["pairwise"][a][b]) for b in order])
                for a in order
            ],
        }
        view["ranking"] = [[labels[c] for c in level] for level in count["ranking"]]
    return view
