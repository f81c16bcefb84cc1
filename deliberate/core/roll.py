"""Parsing a membership roll CSV (name, email, local group, join date), line by line.

Pure: it reports every bad row with its line number and returns nothing half-parsed;
comparing with the database is the service's job.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from deliberate.core.text import clean_line, normalise_email

REQUIRED_COLUMNS = ("name", "email", "local_group", "join_date")
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RollRow:
    line: int
    name: str
    email: str
    local_group: str
    joined_on: date


@dataclass(frozen=True)
class RollProblem:
    line: int
    message: str


def _looks_like_email(value: str) -> bool:
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain and " " not in value and len(value) <= 254


def _parse_row(line: int, raw: dict[str, str | None], today: date) -> RollRow | RollProblem:
    values = {key: (raw.get(key) or "").strip() for key in REQUIRED_COLUMNS}
    missing = [key for key, value in values.items() if not value]
    if missing:
        return RollProblem(line, f"missing {', '.join(missing)}")
    email = normalise_email(values["email"])
    if not _looks_like_email(email):
        return RollProblem(line, f"“{values['email']}” is not an email address")
    try:
        joined_on = date.fromisoformat(values["join_date"])
    except ValueError:
        return RollProblem(line, f"join date “{values['join_date']}” is not YYYY-MM-DD")
    if joined_on > today:
        return RollProblem(line, f"join date {joined_on} is in the future")
    name = clean_line(values["name"])[:80]
    group = clean_line(values["local_group"])[:120]
    if not name or not group:
        return RollProblem(line, "name and local group must contain visible characters")
    return RollRow(line, name, email, group, joined_on)


def parse_roll(text: str, today: date) -> tuple[list[RollRow], list[RollProblem]]:
    """Parse the CSV text; return the good rows and a problem per bad line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    absent = [column for column in REQUIRED_COLUMNS if column not in header]
    if absent:
        return [], [RollProblem(1, f"the header must name the columns {', '.join(absent)}")]
    reader.fieldnames = header
    rows: list[RollRow] = []
    problems: list[RollProblem] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_ROWS:
            problems.append(RollProblem(line, f"more than {MAX_ROWS} rows; split the file"))
            break
        parsed = _parse_row(line, raw, today)
        if isinstance(parsed, RollProblem):
            problems.append(parsed)
        elif parsed.email in seen:
            problems.append(
                RollProblem(line, f"{parsed.email} already on line {seen[parsed.email]}")
            )
        else:
            seen[parsed.email] = line
            rows.append(parsed)
    return rows, problems
