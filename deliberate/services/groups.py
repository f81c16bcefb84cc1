"""Local groups: listing them for forms and pages."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from deliberate.models import LocalGroup


def choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every local group, by name, for select fields."""
    rows = session.execute(select(LocalGroup.id, LocalGroup.name).order_by(LocalGroup.name))
    return [(row.id, row.name) for row in rows]
