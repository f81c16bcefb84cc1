"""Parser for PrefLib ordinal files: ``.soi``, ``.toi``, ``.soc``, ``.toc`` (2022 format).

A file is header lines starting with ``#`` then data lines ``count: a,b,{c,d},e``:
``count`` voters ranked candidate number ``a`` first, ``b`` second, ``c`` and
``d`` equal third, ``e`` fifth. Candidate numbers start at 1 and are named by
``# ALTERNATIVE NAME i: name`` headers. Unlisted candidates are unranked.

What each extension promises, and is checked: ``so*`` (strict) has no braces,
``*oc`` (complete) ranks every candidate. ``NUMBER ALTERNATIVES``,
``NUMBER VOTERS`` and ``NUMBER UNIQUE ORDERS``, when present, must match the
data. Every problem raises ValidationError naming the line. The old pre-2022
PrefLib layout (a bare candidate count on line 1) is not supported.
"""

from __future__ import annotations

import re
from pathlib import Path

from deliberate.core.errors import ValidationError
from deliberate.core.tally.ballots import Ballot, Profile

EXTENSIONS = ("soi", "toi", "soc", "toc")
_NAME = re.compile(r"#\s*ALTERNATIVE NAME (\d+):\s?(.*)$")
_NUMBER = re.compile(r"#\s*NUMBER (ALTERNATIVES|VOTERS|UNIQUE ORDERS):\s*(\S+)\s*$")
_TOKEN = re.compile(r"\s*(\{[^{}]*\}|[^,{}]+)\s*(?:,|$)")


def load(path: str | Path) -> Profile:
    """Read a PrefLib file; the extension says which of the four formats it is."""
    path = Path(path)
    kind = path.suffix.lstrip(".").lower()
    return parse(path.read_text(encoding="utf-8"), kind, source=path.name)


def parse(text: str, kind: str = "toi", *, source: str = "<text>") -> Profile:
    """Parse PrefLib text of the given kind ("soi", "toi", "soc" or "toc")."""
    if kind not in EXTENSIONS:
        raise ValidationError(f"{source}: unknown PrefLib format {kind!r}.")
    names: dict[int, str] = {}
    numbers: dict[str, tuple[int, int]] = {}
    data: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            _read_header(stripped, number, names, numbers, source)
        else:
            data.append((number, stripped))
    candidates = _candidates(names, numbers, source)
    ballots = [_parse_line(line, n, len(candidates), kind, source) for n, line in data]
    # Share one frozenset per single candidate: most ranks are singletons.
    singles = [frozenset([c]) for c in candidates]

    def rank_set(rank: list[int]) -> frozenset[str]:
        if len(rank) == 1:
            return singles[rank[0] - 1]
        return frozenset(candidates[i - 1] for i in rank)

    profile = Profile(
        tuple(candidates),
        tuple(Ballot(tuple(map(rank_set, ranks)), count) for count, ranks in ballots),
    )
    _check_totals(numbers, profile, len(data), source)
    return profile


def _read_header(line: str, number: int, names: dict, numbers: dict, source: str) -> None:
    """Record an ALTERNATIVE NAME or NUMBER header; other headers are informative only."""
    if match := _NAME.match(line):
        index = int(match.group(1))
        if index in names:
            raise ValidationError(f"{source} line {number}: alternative {index} named twice.")
        names[index] = match.group(2).strip()
    elif match := _NUMBER.match(line):
        if not match.group(2).isdigit():
            raise ValidationError(f"{source} line {number}: {match.group(1)} is not a number.")
        numbers[match.group(1)] = (int(match.group(2)), number)


def _candidates(names: dict[int, str], numbers: dict, source: str) -> list[str]:
    """Candidate names in number order; numbers must run 1..n without gaps."""
    if not names:
        raise ValidationError(f"{source}: no '# ALTERNATIVE NAME' lines.")
    if sorted(names) != list(range(1, len(names) + 1)):
        raise ValidationError(f"{source}: alternatives must be numbered 1 to {len(names)}.")
    if "ALTERNATIVES" in numbers and numbers["ALTERNATIVES"][0] != len(names):
        stated, line = numbers["ALTERNATIVES"]
        raise ValidationError(
            f"{source} line {line}: NUMBER ALTERNATIVES is {stated} but {len(names)} are named."
        )
    candidates = [names[i] for i in sorted(names)]
    if len(set(candidates)) != len(candidates):
        raise ValidationError(f"{source}: two alternatives have the same name.")
    return candidates


def _parse_line(
    line: str, number: int, size: int, kind: str, source: str
) -> tuple[int, list[list[int]]]:
    """Parse ``count: a,{b,c},d`` into the count and the ranks of candidate numbers."""
    where = f"{source} line {number}"
    head, colon, body = line.partition(":")
    if not colon or not head.strip().isdigit() or int(head) < 1:
        raise ValidationError(f"{where}: expected 'count: ranking' with a positive count.")
    body = body.strip()
    parts = body.split(",") if body else []
    if all(part.isdigit() and 1 <= int(part) <= size for part in parts):
        # Fast path for the common strict line; the general reader explains any error.
        ranks = [[int(part)] for part in parts]
    else:
        ranks = _read_ranks(body, where, size, kind)
    flat = [c for rank in ranks for c in rank]
    if len(set(flat)) != len(flat):
        raise ValidationError(f"{where}: a candidate is ranked twice.")
    if kind.endswith("c") and len(flat) != size:
        raise ValidationError(f"{where}: .{kind} rankings must list all {size} candidates.")
    return int(head), ranks


def _read_ranks(body: str, where: str, size: int, kind: str) -> list[list[int]]:
    """Read ``a,{b,c},d`` token by token, so a malformed part is named in the error."""
    ranks: list[list[int]] = []
    position = 0
    while position < len(body):
        match = _TOKEN.match(body, position)
        if not match or match.end() == position:
            raise ValidationError(f"{where}: cannot read the ranking at {body[position:]!r}.")
        token = match.group(1).strip()
        if token.startswith("{"):
            if kind.startswith("s"):
                raise ValidationError(f"{where}: ties ({token}) are not allowed in .{kind}.")
            ranks.append([_number(part, where, size) for part in token[1:-1].split(",")])
        else:
            ranks.append([_number(token, where, size)])
        position = match.end()
    if body.endswith(","):
        raise ValidationError(f"{where}: the ranking ends with a comma.")
    return ranks


def _number(text: str, where: str, size: int) -> int:
    """A candidate number between 1 and ``size``."""
    text = text.strip()
    if not text.isdigit() or not 1 <= int(text) <= size:
        raise ValidationError(f"{where}: {text!r} is not a candidate number from 1 to {size}.")
    return int(text)


def _check_totals(numbers: dict, profile: Profile, lines: int, source: str) -> None:
    """The NUMBER VOTERS and NUMBER UNIQUE ORDERS headers must agree with the data."""
    for key, actual in (("VOTERS", profile.total), ("UNIQUE ORDERS", lines)):
        if key in numbers and numbers[key][0] != actual:
            stated, line = numbers[key]
            raise ValidationError(
                f"{source} line {line}: NUMBER {key} is {stated} but the data has {actual}."
            )
