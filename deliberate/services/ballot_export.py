"""The public ballot list after the close: every (tracker, choice, checkpoint), by tracker.

The CSV is exactly the ``deliberate`` format that ``flask recount`` reads
(core.tally.recount): ``tracker,choice`` with rankings as ``a>b=c``, approval sets as
``a;b``, a single option as its id, yes/no/abstain as the word, and the double-yes
canonical string as it is. Options are named by their ids (slugs), which never contain
``>``, ``=`` or ``;``. Sorting by the random tracker means the order of rows says
nothing about the order of voting (T39). Every cell is formula-escaped (T24).
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.core.ballot_chain import ChoiceKind, decode_choice
from deliberate.core.bundle.csv_cells import escape_cell
from deliberate.core.errors import NotFoundError
from deliberate.core.tally import double_yes
from deliberate.models import Ballot, Referendum, ReferendumState


def recount_choice(choice: str) -> str:
    """A canonical choice written in the recount CSV's format."""
    if choice.startswith(double_yes.PREFIX):
        return choice
    kind, value = decode_choice(choice)
    if kind is ChoiceKind.YES_NO or kind is ChoiceKind.SINGLE:
        return str(value)
    if kind is ChoiceKind.APPROVAL:
        return ";".join(sorted(value))  # type: ignore[arg-type]
    return ">".join("=".join(level) for level in value)  # type: ignore[union-attr]


def choice_words(choice: str, labels: dict[str, str]) -> str:
    """A canonical choice in words, for the ballot list and the receipt page."""
    if choice.startswith(double_yes.PREFIX):
        i, c, p = double_yes.decode(choice)
        return f"initiative: {i}; counter-proposal: {c}; if both pass: {p}"
    kind, value = decode_choice(choice)
    if kind is ChoiceKind.YES_NO:
        return str(value)
    if kind is ChoiceKind.SINGLE:
        return labels.get(value, value)  # type: ignore[arg-type]
    if kind is ChoiceKind.APPROVAL:
        return ", ".join(labels.get(v, v) for v in sorted(value)) or "(none approved)"  # type: ignore[arg-type]
    return " > ".join(" = ".join(labels.get(v, v) for v in level) for level in value)  # type: ignore[union-attr]


@dataclass(frozen=True)
class BoardRow:
    tracker: str
    choice: str
    words: str
    checkpoint_seq: int | None


def _closed(referendum: Referendum) -> None:
    if referendum.state is not ReferendumState.CLOSED:
        raise NotFoundError(_l("The ballot list is published when voting has closed."))


def board(session: Session, referendum: Referendum) -> Iterator[BoardRow]:
    """Every ballot, sorted by tracker; only after the close."""
    _closed(referendum)
    labels = {o.slug: o.label for o in referendum.options}
    rows = session.execute(
        select(Ballot.tracker, Ballot.choice, Ballot.checkpoint_seq)
        .where(Ballot.referendum_id == referendum.id)
        .order_by(Ballot.tracker)
    )
    for tracker, choice, seq in rows:
        yield BoardRow(tracker, choice, choice_words(choice, labels), seq)


def ballots_csv(session: Session, referendum: Referendum) -> str:
    """The recount-ready CSV of every ballot, sorted by tracker; only after the close."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["tracker", "choice"])
    for row in board(session, referendum):
        writer.writerow([escape_cell(row.tracker), escape_cell(recount_choice(row.choice))])
    return out.getvalue()
