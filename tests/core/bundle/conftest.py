"""Synthetic referendums and a fixed signing key for the bundle writer and verifier tests."""

import importlib.util
import io
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from deliberate.core.ballot_chain import (
    Checkpoint,
    ChoiceKind,
    definition_digest,
    electorate_hash,
    encode_choice,
    tracker_for,
)
from deliberate.core.bundle import write_bundle

VERIFIER = Path(__file__).parents[3] / "deliberate" / "audit" / "verify_bundle.py"
REFERENDUM_ID = "6b1f8c1e-0d7a-4c1e-9a51-2f0e3d7c9b10"
OPTIONS = ["A", "B", "C"]
MEMBERS = [f"member-{i:03d}" for i in range(60)]
METHOD_KIND = {
    "yes_no": ChoiceKind.YES_NO,
    "plurality": ChoiceKind.SINGLE,
    "approval": ChoiceKind.APPROVAL,
    "irv": ChoiceKind.RANKING,
}


def choice_for(kind: ChoiceKind, i: int) -> str:
    """A varied but deterministic choice for ballot number i."""
    value = {
        ChoiceKind.YES_NO: ("yes", "no", "abstain", "yes")[i % 4],
        ChoiceKind.SINGLE: OPTIONS[i % 3],
        ChoiceKind.APPROVAL: OPTIONS[: i % 4],
        ChoiceKind.RANKING: [OPTIONS[i % 3], [OPTIONS[(i + 1) % 3], OPTIONS[(i + 2) % 3]]],
    }[kind]
    return encode_choice(kind, value)


def synthetic_inputs(method: str = "plurality", voters: int = 45, batches: int = 3) -> dict:
    """Everything write_bundle needs except the output and the key, consistent by construction."""
    kind = METHOD_KIND[method]
    hash_of_electorate = electorate_hash(MEMBERS)
    definition = {
        "question": "Which venue for the 2027 congress?",
        "options": [{"id": o, "label": f"=Venue {o}"} for o in OPTIONS],
        "electorate_hash": hash_of_electorate,
        "opens_at": "2026-03-01T09:00:00Z",
        "closes_at": "2026-03-08T21:00:00Z",
        "rules": {"method": method, "rule_version": "constitution-2025.2"},
    }
    rows = sorted(
        (tracker_for(REFERENDUM_ID, f"receipt-{i}"), choice_for(kind, i), i % batches + 1)
        for i in range(voters)
    )
    checkpoints, prev = [], definition_digest(definition)
    for seq in range(1, batches + 1):
        batch = [(tracker, choice) for tracker, choice, s in rows if s == seq]
        checkpoints.append(Checkpoint.seal(REFERENDUM_ID, seq, prev, batch))
        prev = checkpoints[-1].digest
    tally: Counter = Counter()
    for i in range(voters):
        value = choice_for(kind, i)
        if kind is ChoiceKind.YES_NO:
            tally[value] += 1
        else:
            body = value.split(":", 1)[1]
            first = body.split(">")[0] if kind is ChoiceKind.RANKING else body
            tally.update(first.split(",") if first else [])
    key = "first_preferences" if kind is ChoiceKind.RANKING else "totals"
    return {
        "referendum": {"id": REFERENDUM_ID, "definition": definition},
        "results": {"method": method, "ballot_count": voters, key: dict(tally)},
        "ballots": iter(rows),
        "checkpoints": checkpoints,
        "participation_by_group": {"north": voters - 20, "south": 20},
        "electorate_size": len(MEMBERS),
        "electorate_hash": hash_of_electorate,
        "rule_version": {"id": "constitution-2025.2", "quorum": "1/5", "majority": "1/2"},
    }


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    """A fixed key, so two builds can be compared byte for byte."""
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def build(signing_key):
    """build(**overrides) -> the bytes of a bundle built from synthetic inputs."""

    def _build(method: str = "plurality", voters: int = 45, **overrides) -> bytes:
        out = io.BytesIO()
        inputs = {**synthetic_inputs(method, voters), "signing_key": signing_key, **overrides}
        write_bundle(out, **inputs)
        return out.getvalue()

    return _build


@pytest.fixture(scope="session")
def verifier_module():
    """The standalone verifier loaded in-process, for the many-bundles tamper tests."""
    spec = importlib.util.spec_from_file_location("verify_bundle_under_test", VERIFIER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rewrite_member(bundle: bytes, name: str, mutate) -> bytes:
    """The same zip with one member's content replaced by mutate(content), same metadata."""
    source = zipfile.ZipFile(io.BytesIO(bundle))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.create_system = info.create_system
            copy.external_attr = info.external_attr
            data = source.read(info.filename)
            target.writestr(copy, mutate(data) if info.filename == name else data, compresslevel=6)
    return out.getvalue()
