"""The PrefLib parser: the four formats, header checks and malformed lines."""

import pytest

from deliberate.core.errors import ValidationError
from deliberate.core.tally import preflib

HEADER = """# FILE NAME: test.toi
# NUMBER ALTERNATIVES: 4
# ALTERNATIVE NAME 1: Ada
# ALTERNATIVE NAME 2: Grace
# ALTERNATIVE NAME 3: Alan
# ALTERNATIVE NAME 4: Barbara
"""


def test_parses_counts_ranks_and_brace_ties():
    profile = preflib.parse(HEADER + "3: 2,{1,4},3\n1: 4\n", "toi")
    assert profile.candidates == ("Ada", "Grace", "Alan", "Barbara")
    first, second = profile.ballots
    assert first.count == 3
    assert first.ranks == (frozenset({"Grace"}), frozenset({"Ada", "Barbara"}), frozenset({"Alan"}))
    assert second.ranks == (frozenset({"Barbara"}),)
    assert profile.total == 4


def test_spaces_around_tokens_are_allowed():
    profile = preflib.parse(HEADER + "2 :  1 , { 2 , 3 }\n", "toi")
    assert profile.ballots[0].ranks == (frozenset({"Ada"}), frozenset({"Grace", "Alan"}))


def test_number_headers_must_match_the_data():
    text = HEADER + "# NUMBER VOTERS: 5\n# NUMBER UNIQUE ORDERS: 1\n3: 1,2\n"
    with pytest.raises(ValidationError, match="line 7: NUMBER VOTERS is 5 but the data has 3"):
        preflib.parse(text, "toi")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("3 1,2", "expected 'count: ranking'"),
        ("0: 1,2", "positive count"),
        ("x: 1,2", "positive count"),
        ("2: 1,,2", "cannot read"),
        ("2: 1,5", "not a candidate number from 1 to 4"),
        ("2: 1,2,", "ends with a comma"),
        ("2: 1,{2,3", "cannot read"),
        ("2: 1,{}", "not a candidate number"),
        ("2: 1,2,1", "ranked twice"),
    ],
)
def test_malformed_data_lines_name_the_line(line, message):
    with pytest.raises(ValidationError, match=message) as error:
        preflib.parse(HEADER + line + "\n", "toi", source="bad.toi")
    assert "bad.toi line 7" in error.value.message


def test_strict_formats_reject_braces():
    with pytest.raises(ValidationError, match="not allowed in .soi"):
        preflib.parse(HEADER + "1: {1,2},3\n", "soi")


def test_complete_formats_require_every_candidate():
    assert preflib.parse(HEADER + "1: 1,2,3,4\n", "soc").total == 1
    assert preflib.parse(HEADER + "1: {1,2},3,4\n", "toc").total == 1
    with pytest.raises(ValidationError, match="must list all 4"):
        preflib.parse(HEADER + "1: 1,2,3\n", "soc")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 3: C\n", "numbered 1 to 2"),
        ("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 1: B\n", "named twice"),
        ("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: A\n", "same name"),
        ("# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: A\n", "NUMBER ALTERNATIVES is 3"),
        ("# NUMBER VOTERS: many\n# ALTERNATIVE NAME 1: A\n", "not a number"),
        ("# TITLE: none\n", "no '# ALTERNATIVE NAME' lines"),
    ],
)
def test_malformed_headers_are_rejected(header, message):
    with pytest.raises(ValidationError, match=message):
        preflib.parse(header + "1: 1\n", "soi")


def test_unknown_format_is_rejected():
    with pytest.raises(ValidationError, match="unknown PrefLib format"):
        preflib.parse(HEADER, "csv")


def test_real_files_match_their_headers(load):
    # parse() checks NUMBER VOTERS and NUMBER UNIQUE ORDERS against the data.
    burlington = load("00005-burlington/00005-00000002.toi")
    assert burlington.total == 8980 and len(burlington.ballots) == 384
    assert load("00016-aspen/00016-00000002.toi").total == 2527
