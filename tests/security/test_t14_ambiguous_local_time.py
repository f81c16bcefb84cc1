"""T14: a local time that happens twice (clocks going back) is refused, never guessed.

On 2026-10-25 the UK's clocks go back from 02:00 BST to 01:00 GMT, so every time from
01:00 to 01:59 happens twice in Europe/London. A committee typing 01:30 could mean
00:30 or 01:30 UTC; the rule (deliberate/core/localtime.py) is to refuse it with a
message that says why, and to accept the minutes either side with the right offset.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from deliberate.core.errors import ValidationError
from deliberate.core.localtime import local_text, local_to_utc
from deliberate.extensions import db
from deliberate.models import Referendum, Role
from deliberate.services import referendums
from tests.conftest import make_member

LONDON = "Europe/London"


@pytest.mark.parametrize("minute", ["01:00", "01:30", "01:59"])
def test_the_repeated_hour_is_refused(minute):
    local = datetime.fromisoformat(f"2026-10-25T{minute}")
    with pytest.raises(ValidationError, match="happens twice in Europe/London") as caught:
        local_to_utc(local, LONDON, field="opens_at")
    assert "clocks go back" in caught.value.message and caught.value.field == "opens_at"


@pytest.mark.parametrize(
    ("local", "utc", "shown"),
    [
        ("2026-10-25T00:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC), "00:59 BST (UTC+01:00)"),
        ("2026-10-25T02:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "02:00 GMT (UTC+00:00)"),
    ],
)
def test_the_minutes_either_side_are_accepted_with_their_own_offset(local, utc, shown):
    assert local_to_utc(datetime.fromisoformat(local), LONDON) == utc
    assert local_text(utc, LONDON) == f"2026-10-25 {shown}"


FORM = {
    "kind": "referendum",
    "method": "yes_no",
    "question": "Shall we meet on Sundays?",
    "statuses": "active",
    "min_membership_days": "0",
    "majority": "1/2",
}


@pytest.fixture
def chair(app, auth):
    """A committee member of an organisation in London (signs in when the test travels)."""
    make_member(app, "chair@example.org", name="Chair", roles=(Role.COMMITTEE,))
    app.config["ORG_TIMEZONE"] = LONDON
    return auth


def at(day: int):
    """09:00 UTC on ``day`` October 2026, the clock standing still."""
    return time_machine.travel(datetime(2026, 10, day, 9, 0, tzinfo=UTC), tick=False)


def votes(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Referendum))


@pytest.mark.parametrize(
    ("opens_at", "closes_at", "field"),
    [
        ("2026-10-25T01:30", "2026-10-31T12:00", "opens_at"),
        ("2026-10-20T10:00", "2026-10-25T01:30", "closes_at"),
    ],
)
def test_a_committee_giving_the_repeated_hour_is_told_and_nothing_is_created(
    app, chair, opens_at, closes_at, field
):
    with at(1):
        chair.login("chair@example.org")
        response = chair.post(
            "/referendums/new", FORM | {"opens_at": opens_at, "closes_at": closes_at}
        )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2026-10-25 01:30 happens twice in Europe/London" in page
    assert f'id="{field}-error"' in page  # beside the field it belongs to
    assert votes(app) == 0


def test_an_extension_to_the_repeated_hour_is_refused_and_the_close_stays(app, chair):
    with at(20):
        chair.login("chair@example.org")
        made = chair.post(
            "/referendums/new",
            FORM | {"opens_at": "2026-10-20T10:30", "closes_at": "2026-10-24T12:00"},
        )
        assert made.status_code == 302, made.get_data(as_text=True)[:500]
        public_id = made.headers["Location"].rsplit("/", 1)[1]
    with at(21):
        chair.login("chair@example.org")
        with app.app_context():
            referendums.open_now(db.session, public_id, actor=None, now=datetime.now(UTC))
        response = chair.post(
            f"/referendums/{public_id}/extend",
            {"closes_at": "2026-10-25T01:30", "reason": "Postal strike"},
            token_from=f"/referendums/{public_id}",
        )
    assert response.status_code == 422
    assert "happens twice in Europe/London" in response.get_data(as_text=True)
    with app.app_context():
        r = referendums.get(db.session, public_id)
        # Stored in UTC: 12:00 BST on the 24th is 11:00 UTC.
        assert r.closes_at == datetime(2026, 10, 24, 11, 0, tzinfo=UTC)
