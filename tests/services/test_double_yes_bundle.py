"""The audit bundle of a closed double-yes vote: it verifies, and a changed choice fails."""

import hashlib
import io
import json
import zipfile

import pytest

from deliberate.models import VoteMethod
from tests.audit_builders import closed_vote, fixed_key
from tests.core.bundle.conftest import rewrite_member
from tests.services.test_audit_bundle import export_bytes, run_verifier

# The five ballots closed_vote casts, counted by hand.
THREE_QUESTIONS = {
    "initiative:yes": 3,
    "initiative:no": 1,
    "initiative:abstain": 1,
    "counter:yes": 4,
    "counter:no": 1,
    "counter:abstain": 0,
    "prefer:initiative": 1,
    "prefer:counter": 3,
    "prefer:none": 1,
}
CAST = b'"double:yes,yes,counter"'  # one of them, as ballots.csv quotes it


@pytest.fixture
def bundle(app) -> bytes:
    return export_bytes(app, closed_vote(app, VoteMethod.DOUBLE_YES))


def re_signed(bundle: bytes, name: str, mutate) -> bytes:
    """One member changed by someone holding the key: manifest rebuilt and signed again."""
    changed = rewrite_member(bundle, name, mutate)
    archive = zipfile.ZipFile(io.BytesIO(changed))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        entry["sha256"], entry["size"] = hashlib.sha256(data).hexdigest(), len(data)
    signed = json.dumps(manifest, sort_keys=True, indent=2).encode() + b"\n"
    changed = rewrite_member(changed, "manifest.json", lambda _: signed)
    return rewrite_member(changed, "manifest.sig", lambda _: fixed_key().sign(signed))


def failed_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("FAILED")]


def changed_results(mutate):
    def rewrite(data: bytes) -> bytes:
        results = json.loads(data)
        mutate(results)
        return json.dumps(results).encode()

    return rewrite


def test_the_bundle_of_a_closed_double_yes_vote_verifies(bundle, tmp_path):
    result = run_verifier(tmp_path, bundle)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout and result.stdout.endswith("bundle verified\n")
    assert "ok tally: recounted totals match results.json (double_yes)" in result.stdout
    assert "ok results.csv: agrees with results.json" in result.stdout
    assert "ok official result: counter wins by the double-yes rule" in result.stdout


def test_results_json_counts_each_of_the_three_questions(bundle):
    archive = zipfile.ZipFile(io.BytesIO(bundle))
    results = json.loads(archive.read("results.json"))
    assert results["method"] == "double_yes" and results["ballot_count"] == 5
    assert results["totals"] == THREE_QUESTIONS
    assert results["official"]["winner"] == "counter"
    assert results["verdict"] == results["official"]["verdict"]
    assert results["verdict"].startswith("The counter-proposal comes into force")
    rows = archive.read("results.csv").decode().splitlines()
    assert rows[0] == "option,votes" and "prefer:counter,3" in rows
    assert CAST in archive.read("ballots.csv")


@pytest.mark.parametrize("is_re_signed", [False, True], ids=["as-is", "re-signed"])
def test_a_changed_double_yes_choice_fails(bundle, tmp_path, is_re_signed):
    def to_initiative(data: bytes) -> bytes:
        return data.replace(CAST, b'"double:yes,yes,initiative"', 1)

    rewrite = re_signed if is_re_signed else rewrite_member
    result = run_verifier(tmp_path, rewrite(bundle, "ballots.csv", to_initiative))
    assert result.returncode == 1
    failures = failed_lines(result.stdout)
    assert any(line.startswith("FAILED checkpoint 1: ballots_digest") for line in failures)
    assert any(line.startswith("FAILED tally:") for line in failures)
    assert any(line.startswith("FAILED official result: differs") for line in failures)
    hash_failed = "FAILED ballots.csv: SHA-256 does not match the manifest" in failures
    assert hash_failed is not is_re_signed  # re-signed, only the recount can tell


@pytest.mark.parametrize(
    "malformed",
    [
        "double:yes,yes",
        "double:yes,yes,counter,none",
        "double:Yes,yes,counter",
        "double:yes, yes,counter",
        "double:yes,yes,counter ",
        "double:yes,yes,both",
        "double:maybe,yes,none",
        "double:yes,,counter",
        "double:",
        "yes",
        "rank:yes>no",
    ],
)
def test_a_malformed_double_yes_choice_is_a_failed_line_not_a_crash(bundle, tmp_path, malformed):
    cell = f'"{malformed}"'.encode()
    tampered = re_signed(bundle, "ballots.csv", lambda data: data.replace(CAST, cell, 1))
    result = run_verifier(tmp_path, tampered)
    assert result.returncode == 1
    assert result.stderr == "" and "Traceback" not in result.stdout
    bad_rows = [line for line in failed_lines(result.stdout) if "bad rows" in line]
    assert len(bad_rows) == 1 and bad_rows[0].startswith("FAILED ballots.csv: 1 bad rows")
    assert repr(malformed) in bad_rows[0]
    assert result.stdout.splitlines()[-1].endswith("check(s) FAILED")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r["official"]["deciding"].update(counter=2),
            "FAILED official result: differs from the recount (prefer:counter: 2 vs 3)",
        ),
        (
            lambda r: r["official"]["initiative"]["tally"].update(no=0),
            "FAILED official result: differs from the recount (initiative:no: 0 vs 1)",
        ),
        (
            lambda r: r["official"].update(ballots=6),
            "FAILED official result: differs from the recount (ballots: 6 vs 5)",
        ),
        (
            lambda r: r["official"].update(winner="initiative"),
            "FAILED official result: names 'initiative' (tied: False); "
            "its figures give 'counter' (tied: False)",
        ),
        (
            lambda r: r["official"]["counter"].update(is_passed=False),
            "FAILED official result: names 'counter' (tied: False); "
            "its figures give 'initiative' (tied: False)",
        ),
        (
            lambda r: r.update(verdict="The initiative comes into force."),
            "FAILED results.json: verdict differs from the official result's",
        ),
        (
            lambda r: r.pop("official"),
            "FAILED official result: results.json carries no official double-yes result",
        ),
        (
            lambda r: r["official"].pop("deciding"),
            "FAILED official result: KeyError: 'deciding'",
        ),
    ],
    ids=["preference", "initiative", "ballots", "winner", "passed", "verdict", "none", "shape"],
)
def test_an_official_result_the_ballots_do_not_bear_out_fails(bundle, tmp_path, mutate, expected):
    result = run_verifier(tmp_path, re_signed(bundle, "results.json", changed_results(mutate)))
    assert result.returncode == 1
    assert expected in failed_lines(result.stdout), result.stdout
    assert "ok tally: recounted totals match results.json (double_yes)" in result.stdout
