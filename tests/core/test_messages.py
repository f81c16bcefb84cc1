"""Core messages keep their msgid and values, also when stored and read back."""

from datetime import date
from decimal import Decimal

from deliberate.core.messages import N_, from_json, to_json


def test_a_message_with_values_is_stored_and_read_back_the_same():
    message = N_("Tier %(n)s reached: it goes to a members' vote", n=2)
    stored = to_json(message)
    back = from_json(stored)
    assert (back, back.msgid, back.params) == (message, message.msgid, {"n": 2})
    assert back == "Tier 2 reached: it goes to a members' vote"


def test_plain_text_and_a_message_without_values_need_nothing_stored():
    assert to_json("Rejected by the committee: spam") is None
    assert to_json(N_("Drafted")) is None


def test_messages_and_decimals_inside_a_message_are_kept():
    share = N_("%(percent)s%%", percent=Decimal("52.5"))
    message = N_("Passed: %(yes)s voted yes (%(why)s)", yes=share, why=N_("Drafted"))
    back = from_json(to_json(message))
    assert back == "Passed: 52.5% voted yes (Drafted)"
    assert back.params["yes"].params == {"percent": Decimal("52.5")}
    assert back.params["why"].msgid == "Drafted"


def test_values_json_would_not_keep_exactly_leave_the_message_in_english():
    assert to_json(N_("Closed on %(day)s", day=date(2026, 3, 1))) is None
    assert to_json(N_("Because %(why)s", why=N_("On %(day)s", day=date(2026, 3, 1)))) is None
