"""bench/phases.py: each phase counts the calls made inside it and is unwrapped afterwards."""

from types import SimpleNamespace

from bench.phases import Phases, report


def _leaf():
    return 1


def _three_leaves():
    return _leaf() + _leaf() + _leaf()


def test_a_phase_counts_the_calls_inside_it_and_is_unwrapped_after_the_block():
    work = SimpleNamespace(three=_three_leaves)
    phases = Phases()
    phases.add(work, "three", "three leaves")
    with phases.timing(count_calls=True):
        assert work.three() == 3
        assert work.three() == 3
    spent = phases.figures()
    # Two runs of the phase, each its own body and three leaves: 8 Python calls.
    assert spent["three leaves"][1] == 8
    assert spent["all of the request"][1] >= 8
    assert work.three is _three_leaves


def test_without_counting_no_calls_are_recorded_but_the_report_reads_them_from_elsewhere():
    work = SimpleNamespace(three=_three_leaves)
    phases = Phases()
    phases.add(work, "three", "three leaves")
    with phases.timing(count_calls=True):
        work.three()
    calls = phases.figures()
    with phases.timing(count_calls=False):
        work.three()
    cpu = phases.figures()
    assert cpu["three leaves"][1] == 0
    lines = report(cpu, 1, calls, 1).splitlines()
    assert lines[1].split()[-2:] == ["4", "calls"]
