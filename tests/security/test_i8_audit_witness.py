"""I5/I8 against an insider who rewrites the database consistently: the audit witness.

The attack the hash chains alone cannot see: change a sealed ballot, reseal every
checkpoint, write the new digests into the audit entries that published them, and
recompute the audit log's whole hash chain. Every check inside the database then passes;
the witness file (services.audit_witness), kept outside it, does not.
"""

import json
import os

from sqlalchemy import delete, select, update

from deliberate.core.audit_chain import GENESIS_HASH, canonical_payload, entry_hash
from deliberate.extensions import db
from deliberate.models import AuditEntry, utcnow
from deliberate.services import audit_log, checkpoints, invariants, referendums
from tests.security.test_i5_i8_sweeps import (
    HEADS,
    reseal_with_one_ballot_flipped,
    sealed_in_two_checkpoints,
)

CHAIN = "I8 audit chain verifies"
WITNESS = "I8 audit log agrees with its witness outside the database"


def witness_lines(app) -> list[dict]:
    path = app.config["AUDIT_WITNESS_PATH"]
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file]


def log_hashes(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(AuditEntry.seq, AuditEntry.hash)).all())


def report(app) -> invariants.Report:
    with app.app_context():
        return invariants.check_all(db.session, witness_path=app.config["AUDIT_WITNESS_PATH"])


def rewrite_the_published_heads_and_rehash(app, vote: str) -> None:
    """The insider's last step: the heads in the log say what the resealed chain says."""
    with app.app_context():
        referendum = referendums.get(db.session, vote)
        chain = {0: referendum.definition_digest}
        chain |= {c.seq: c.digest for c in checkpoints.checkpoints(db.session, referendum)}
        prev = GENESIS_HASH
        for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            payload = json.loads(entry.payload_json)
            if entry.action == "referendum.checkpoint":
                payload["digest"] = chain[payload["seq"]]
            elif entry.action == "referendum.closed":
                payload["head_digest"] = chain[max(chain)]
            entry.payload_json = canonical_payload(payload)
            entry.prev_hash = prev
            at = entry.at.isoformat(timespec="microseconds")
            entry.hash = entry_hash(
                entry.seq, at, entry.actor_label, entry.action, entry.payload_json, prev
            )
            prev = entry.hash
        db.session.commit()


def test_every_commit_that_adds_to_the_log_leaves_its_last_entry_with_the_witness(app):
    sealed_in_two_checkpoints(app)
    lines, hashes = witness_lines(app), log_hashes(app)
    assert lines[-1] == {"seq": max(hashes), "hash": hashes[max(hashes)]}
    assert all(hashes[line["seq"]] == line["hash"] for line in lines)
    # One line per committing transaction, not per entry, and never out of the log's order.
    assert [line["seq"] for line in lines] == sorted({line["seq"] for line in lines})
    assert report(app).holds  # an honest history holds every invariant


def test_an_entry_rolled_back_is_not_witnessed(app):
    sealed_in_two_checkpoints(app)
    before = witness_lines(app)
    with app.app_context():
        audit_log.record(db.session, actor=None, action="test.never", payload={}, now=utcnow())
        db.session.rollback()
        db.session.commit()  # a later commit with nothing new says nothing either
    assert witness_lines(app) == before


def test_a_log_rewritten_and_rehashed_passes_every_check_inside_the_database_but_not_this(app):
    vote = sealed_in_two_checkpoints(app)
    witnessed = witness_lines(app)
    reseal_with_one_ballot_flipped(app, vote)
    rewrite_the_published_heads_and_rehash(app, vote)
    found = dict(report(app).checks)
    assert found["I5 checkpoint chains verify"] == [] and found[HEADS] == []
    assert found[CHAIN] == []  # the insider made all three agree
    first_changed = min(
        line["seq"] for line in witnessed if log_hashes(app)[line["seq"]] != line["hash"]
    )
    assert found[WITNESS][0].startswith(f"entry {first_changed} was witnessed with hash ")
    assert found[WITNESS][0].endswith("the log was rewritten")
    result = app.test_cli_runner().invoke(args=["audit", "check-invariants"])
    assert result.exit_code != 0 and f"FAILED {WITNESS}" in result.output, result.output


def test_a_log_cut_short_is_reported_by_the_entries_witnessed_after_the_cut(app):
    sealed_in_two_checkpoints(app)
    last = max(log_hashes(app))
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.seq == last))
        db.session.commit()
    found = dict(report(app).checks)
    assert found[CHAIN] == []  # a shorter chain is still a chain
    assert found[WITNESS] == [f"entry {last} was witnessed but is no longer in the audit log"]


def test_without_the_witness_file_the_check_warns_and_does_not_pass_silently(app):
    sealed_in_two_checkpoints(app)
    path = app.config["AUDIT_WITNESS_PATH"]
    os.remove(path)
    done = report(app)
    assert dict(done.checks)[WITNESS] == []
    assert any(w.startswith(f"no audit witness file at {path}") for w in done.warnings)


def test_an_unreadable_line_is_named(app):
    sealed_in_two_checkpoints(app)
    path = app.config["AUDIT_WITNESS_PATH"]
    with open(path, "a", encoding="utf-8") as file:
        file.write("not json\n")
    with open(path, encoding="utf-8") as file:
        number = len(file.readlines())
    problems = dict(report(app).checks)[WITNESS]
    assert problems == [f"line {number} of the witness file is not a witnessed entry"]


def test_more_witnessed_entries_than_one_query_holds_are_all_compared(app):
    with app.app_context():
        for n in range(1_100):  # more than two of the check's batches
            audit_log.record(
                db.session, actor=None, action="test.n", payload={"n": n}, now=utcnow()
            )
        db.session.commit()
    hashes = log_hashes(app)
    with open(app.config["AUDIT_WITNESS_PATH"], "a", encoding="utf-8") as file:
        for seq, digest in sorted(hashes.items()):
            file.write(json.dumps({"seq": seq, "hash": digest}) + "\n")
    assert dict(report(app).checks)[WITNESS] == []
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 1_050).values(hash="f" * 64))
        db.session.commit()
    assert dict(report(app).checks)[WITNESS] == [
        f"entry 1050 was witnessed with hash {hashes[1_050][:16]}… but now has "
        f"{'f' * 16}…: the log was rewritten"
    ]


def test_a_witness_file_that_cannot_be_written_does_not_fail_the_committed_action(
    app, caplog, tmp_path
):
    # The action is committed before the witness is written: its answer must not say it
    # failed. The log carries the entry instead, and the check names the gap.
    app.config["AUDIT_WITNESS_PATH"] = str(tmp_path)  # a directory: open() fails
    with app.app_context():
        entry = audit_log.record(
            db.session, actor=None, action="test.one", payload={}, now=utcnow()
        )
        seq, digest = entry.seq, entry.hash
        db.session.commit()
    assert log_hashes(app) == {seq: digest}
    failures = [r.getMessage() for r in caplog.records if "NOT witnessed" in r.getMessage()]
    assert failures and failures[0].endswith(f"entry {seq} has hash {digest}")
