"""Roll parsing and the cleaning of names: line-numbered problems, no invisible tricks."""

from datetime import date

import pytest

from deliberate.core.roll import parse_roll
from deliberate.core.text import clean_line, has_hidden_characters, normalise_email

TODAY = date(2026, 12, 1)


def test_good_roll_parses_with_normalised_emails():
    rows, problems = parse_roll(
        "name,email,local_group,join_date\nAnn,ANN@Example.org ,Leeds,2020-01-01\n", TODAY
    )
    assert problems == [] and rows[0].email == "ann@example.org"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Ann,,Leeds,2020-01-01", "missing email"),
        ("Ann,ann-at-example,Leeds,2020-01-01", "is not an email address"),
        ("Ann,ann@example.org,Leeds,01/02/2020", "is not YYYY-MM-DD"),
        ("Ann,ann@example.org,Leeds,2027-01-01", "in the future"),
        ("\u200b,ann@example.org,Leeds,2020-01-01", "visible characters"),
    ],
)
def test_bad_rows_are_reported_with_their_line(line, message):
    rows, problems = parse_roll(f"name,email,local_group,join_date\n{line}\n", TODAY)
    assert rows == [] and problems[0].line == 2 and message in problems[0].message


def test_duplicate_email_names_the_first_line():
    text = "name,email,local_group,join_date\nA,a@x.org,L,2020-01-01\nB,A@x.org,L,2020-01-01\n"
    rows, problems = parse_roll(text, TODAY)
    assert len(rows) == 1 and "already on line 2" in problems[0].message


def test_missing_columns_are_named():
    rows, problems = parse_roll("name,email\nA,a@x.org\n", TODAY)
    assert "local_group, join_date" in problems[0].message


@pytest.mark.parametrize("raw", ["Ann\u202eevil", "A\u200bnn", "An\u2066n", "Ann\x00", "A\u200dnn"])
def test_invisible_and_direction_characters_are_removed_from_names(raw):
    assert has_hidden_characters(raw)
    assert not has_hidden_characters(clean_line(raw))


def test_nfd_and_nfc_names_clean_to_the_same_text():
    assert clean_line("Jose\u0301") == clean_line("Jos\u00e9")


def test_email_normalisation_lowercases_and_strips():
    assert normalise_email("  Ann@Example.ORG ") == "ann@example.org"


def test_public_ids_never_start_with_a_dash_or_underscore():
    from deliberate.models.member import new_public_id

    ids = [new_public_id() for _ in range(3000)]
    assert all(i[0].isalnum() and len(i) == 12 for i in ids)
