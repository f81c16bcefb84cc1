"""T32: a burst of signatures from one address is held for a check, not counted, not refused.

Below the limit every signature counts. Beyond it, signatures on that proposal from that
IP address (or email domain) are stored as held: the signer is told they are recorded
and await a check, the stored count and the tally do not move, and no threshold can be
crossed by them. The committee releases them (counted, a tier may be crossed once,
audited) or rejects them (invalidated, audited). The invariant checker and `flask
proposals reconcile` count only counted signatures.
"""

import pytest
from sqlalchemy import func, select, text, update

from deliberate.core.errors import NotEligibleError, ValidationError
from deliberate.extensions import db
from deliberate.models import (
    AuditEntry,
    HoldReason,
    Member,
    Proposal,
    ProposalState,
    Role,
    RoleGrant,
    Signature,
    SignatureTally,
    ThresholdCrossing,
)
from deliberate.services import (
    invariants,
    signable_proposal,
    signature_checks,
    signature_quarantine,
    signature_read,
    signing,
)
from deliberate.services.signature_bursts import BurstCheck, BurstLimits
from tests.conftest import AuthActions, csrf_from
from tests.proposal_builders import NOW, add_members, proposal, ruleset

BOT_IP = "203.0.113.9"


THREE_PER_IP = BurstLimits(per_ip=3)


def sign(session, p, member_id, *, ip=BOT_IP, limits=THREE_PER_IP):
    return signing.sign(
        session, proposal_id=p.id, member_id=member_id, show_name=True, ip=ip, now=NOW,
        limits=limits,
    )  # fmt: skip


def rows(session, *where) -> int:
    return session.scalar(select(func.count()).select_from(Signature).where(*where)) or 0


def tally(session, proposal_id: int) -> int:
    return sum(
        session.scalars(
            select(SignatureTally.count).where(SignatureTally.proposal_id == proposal_id)
        )
    )


def audit(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def held_ids(session) -> list[int]:
    return [h.id for h in signature_quarantine.held(session)]


def chair(session) -> Member:
    """The committee member deciding (created on first use)."""
    member = session.scalar(select(Member).where(Member.email == "chair.0@example.org"))
    if member is None:
        (member_id,) = add_members(session, 1, prefix="chair")
        member = session.get(Member, member_id)
    return member


def test_fifty_signatures_from_one_address_count_up_to_the_limit_and_the_rest_are_held(session):
    p = proposal(session, ruleset(threshold=1000))
    results = [sign(session, p, m, limits=BurstLimits(per_ip=20)) for m in add_members(session, 50)]
    assert [r.is_held for r in results] == [False] * 20 + [True] * 30
    assert results[-1].count == 20  # the signer of a held signature sees the count unmoved
    session.refresh(p)
    assert p.signature_count == 20 and tally(session, p.id) == 20
    assert rows(session) == 50  # nothing was refused: every signature is stored
    held = signature_quarantine.held(session)
    assert len(held) == 30 and {h.reason for h in held} == {HoldReason.IP_BURST}
    assert signature_quarantine.held_count(session) == 30
    # Stored counts equal the *counted* rows, so the checker and reconcile find no drift.
    assert invariants.check_all(session).holds
    assert signature_checks.find_drift(session) == []


def test_held_signatures_cannot_cross_a_threshold(session):
    p = proposal(session, ruleset(threshold=4))
    for member_id in add_members(session, 8):
        sign(session, p, member_id)
    session.refresh(p)
    assert p.signature_count == 3 and p.state == ProposalState.COLLECTING
    assert session.scalar(select(func.count()).select_from(ThresholdCrossing)) == 0


def test_other_addresses_and_unknown_addresses_still_count(session):
    p = proposal(session, ruleset(threshold=1000))
    members = add_members(session, 8)
    for n, member_id in enumerate(members[:4]):
        assert not sign(session, p, member_id, ip=f"198.51.100.{n}").is_held
    for member_id in members[4:]:
        assert not sign(session, p, member_id, ip=None).is_held
    assert session.get(Proposal, p.id).signature_count == 8


def test_the_limit_is_per_proposal(session):
    first = proposal(session, ruleset(threshold=1000), title="First")
    second = proposal(session, title="Second")
    members = add_members(session, 4)
    for member_id in members:
        sign(session, first, member_id)
    assert not sign(session, second, members[0]).is_held


def test_an_email_domain_burst_is_held_when_that_check_is_on(session):
    p = proposal(session, ruleset(threshold=1000))
    limits = BurstLimits(per_domain=2)
    results = [
        sign(session, p, m, ip=f"198.51.100.{m}", limits=limits) for m in add_members(session, 4)
    ]
    assert [r.is_held for r in results] == [False, False, True, True]
    assert {h.reason for h in signature_quarantine.held(session)} == {HoldReason.EMAIL_DOMAIN_BURST}


def test_release_counts_them_crosses_the_threshold_once_and_is_audited(session):
    p = proposal(session, ruleset(threshold=5))
    for member_id in add_members(session, 6):
        sign(session, p, member_id)
    ids = held_ids(session)
    assert len(ids) == 3
    result = signature_quarantine.release(
        session, signature_ids=ids, actor=chair(session), now=NOW, reason="A staff meeting"
    )
    assert result.count == 3 and result.crossed == (f"{p.public_id} tier 1",)
    session.refresh(p)
    assert p.signature_count == 6 and tally(session, p.id) == 6
    assert p.state != ProposalState.COLLECTING  # the tier's consequence fired
    assert session.scalar(select(func.count()).select_from(ThresholdCrossing)) == 1
    assert len(audit(session, "proposal.threshold_crossed")) == 1
    (entry,) = audit(session, "signatures.released")
    assert '"count":3' in entry.payload_json and "A staff meeting" in entry.payload_json
    assert held_ids(session) == []
    # Releasing the same ids again counts nothing twice.
    again = signature_quarantine.release(session, signature_ids=ids, actor=chair(session), now=NOW)
    assert again.count == 0 and session.get(Proposal, p.id).signature_count == 6
    assert invariants.check_all(session).holds


def test_reject_invalidates_them_leaves_the_count_and_is_audited(session):
    p = proposal(session, ruleset(threshold=50))
    members = add_members(session, 5)
    for member_id in members:
        sign(session, p, member_id)
    ids = held_ids(session)
    with pytest.raises(ValidationError, match="State the reason"):
        signature_quarantine.reject(session, signature_ids=ids, reason=" ", actor=chair(session),
                                    now=NOW)  # fmt: skip
    session.rollback()
    result = signature_quarantine.reject(
        session, signature_ids=ids, reason="Bot farm", actor=chair(session), now=NOW
    )
    assert result.count == 2
    assert session.get(Proposal, p.id).signature_count == 3
    assert rows(session, Signature.invalidated_at.is_not(None)) == 2
    (entry,) = audit(session, "signatures.rejected")
    assert "Bot farm" in entry.payload_json
    assert held_ids(session) == []
    # A rejected signer cannot simply sign again.
    with pytest.raises(NotEligibleError, match="invalidated by the committee: Bot farm"):
        sign(session, p, members[-1], ip="198.51.100.1")
    session.rollback()
    assert invariants.check_all(session).holds


def test_withdrawing_a_held_signature_leaves_the_count_alone(session):
    p = proposal(session, ruleset(threshold=50))
    members = add_members(session, 4)
    for member_id in members:
        sign(session, p, member_id)
    assert signing.withdraw(session, proposal_id=p.id, member_id=members[-1], now=NOW) == 3
    assert session.get(Proposal, p.id).signature_count == 3 and tally(session, p.id) == 3
    assert held_ids(session) == []
    assert invariants.check_all(session).holds


def test_a_count_that_wrongly_includes_held_signatures_is_drift(session):
    """The checker's I3 (and reconcile) must fail if held signatures creep into the count."""
    p = proposal(session, ruleset(threshold=50))
    for member_id in add_members(session, 5):
        sign(session, p, member_id)
    session.execute(update(Proposal).where(Proposal.id == p.id).values(signature_count=5))
    session.commit()
    report = dict(invariants.check_all(session).checks)
    assert report["I3 stored counts equal the rows"] == [
        f"proposal {p.public_id}: stored 5, rows 3, tally 3"
    ]
    signature_checks.reconcile(session, fix=True, now=NOW)
    assert session.get(Proposal, p.id).signature_count == 3
    assert len(held_ids(session)) == 2  # rebuilding the count does not release anything


# Through the web: the signer's message, the committee's page, the CLI. ------------------


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "SIGNATURE_QUARANTINE_PER_IP_PER_HOUR": 2,
        "RATELIMIT_SIGN": "1000 per minute",
        "RATELIMIT_LOGIN": "1000 per minute",
        "RATELIMIT_LOGIN_PER_ADDRESS": "1000 per minute",
    }


def signer_client(app, prefix: str):
    with app.app_context():
        add_members(db.session, 1, prefix=prefix)
    client = app.test_client()
    AuthActions(client).login(f"{prefix}.0@example.org")
    return client


def web_sign(client, ref: str):
    token = csrf_from(client.get(f"/proposals/{ref}").get_data(as_text=True))
    return client.post(f"/proposals/{ref}/sign", data={"csrf_token": token}, follow_redirects=True)


def test_the_signer_is_told_it_awaits_a_check_and_the_committee_releases_it(app):
    with app.app_context():
        ref = proposal(db.session, ruleset(threshold=3)).public_id
    answers = [web_sign(signer_client(app, f"web{n}"), ref) for n in range(4)]
    assert [a.status_code for a in answers] == [200] * 4
    first, last = answers[0].get_data(as_text=True), answers[-1].get_data(as_text=True)
    assert "your signature is recorded." in first and "routine check" not in first
    assert "counted after a routine check by the committee" in last
    assert 'id="signature-held"' in last and "awaits a routine check" in last
    with app.app_context():
        assert db.session.scalar(select(Proposal.signature_count)) == 2
        add_members(db.session, 1, prefix="chair")
        member = db.session.scalar(select(Member).where(Member.email == "chair.0@example.org"))
        db.session.add(RoleGrant(member_id=member.id, role=Role.COMMITTEE, granted_at=NOW))
        db.session.commit()
        ids = held_ids(db.session)
    committee = app.test_client()
    AuthActions(committee).login("chair.0@example.org")
    page = committee.get("/admin/signatures").get_data(as_text=True)
    assert 'id="held-signatures"' in page and "2 held signatures" in page
    assert "burst from one IP address" in page and "Web2 0" in page and "Web3 0" in page
    token = csrf_from(page)
    refused = committee.post(
        "/admin/signatures/held",
        data={"csrf_token": token, "signature": [str(i) for i in ids], "decision": "reject"},
    )
    assert refused.status_code == 422 and "State the reason" in refused.get_data(as_text=True)
    nothing = committee.post(
        "/admin/signatures/held", data={"csrf_token": token, "decision": "release"}
    )
    assert nothing.status_code == 422 and "Tick at least one" in nothing.get_data(as_text=True)
    done = committee.post(
        "/admin/signatures/held",
        data={"csrf_token": token, "signature": [str(ids[0])], "decision": "release"},
        follow_redirects=True,
    )
    assert "1 held signatures released and counted." in done.get_data(as_text=True)
    assert "Threshold reached" in done.get_data(as_text=True)
    with app.app_context():
        p = db.session.scalar(select(Proposal))
        assert p.signature_count == 3 and p.state != ProposalState.COLLECTING
        assert len(audit(db.session, "signatures.released")) == 1
        assert len(held_ids(db.session)) == 1
    result = app.test_cli_runner().invoke(args=["proposals", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "1 signature(s) held for a committee check, not counted" in result.output
    checked = app.test_cli_runner().invoke(args=["audit", "check-invariants"])
    assert checked.exit_code == 0, checked.output


def _burst_check_plan(session, p, ip: str) -> str:
    """The database's plan for the proposal's read with the burst check, for this address."""
    read = signable_proposal._SELECT_BY_ID[True]  # as signing.sign reads it
    compiled = read.compile(dialect=session.get_bind().dialect)
    burst = BurstCheck(ip=ip, domain="example.org", now=NOW, limits=BurstLimits(per_ip=20))
    params = compiled.construct_params({"proposal_id": p.id} | burst.params())
    connection = session.connection()
    if compiled.positiontup is None:  # PostgreSQL: named parameters
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", params)
        return " | ".join(row[0] for row in rows)
    rows = connection.exec_driver_sql(
        f"EXPLAIN QUERY PLAN {compiled}", tuple(params[name] for name in compiled.positiontup)
    )
    return " | ".join(row[-1] for row in rows)


def _signature_read_plan(session, token: str, ref: str, ip: str) -> str:
    """PostgreSQL's plan for the sign view's one read (services.signature_read)."""
    compiled = signature_read._STATEMENT.compile(dialect=session.get_bind().dialect)
    burst = BurstCheck(ip=ip, domain=None, now=NOW, limits=BurstLimits(per_ip=20, per_domain=50))
    params = burst.params() | {"token": token, "ref": ref, "burst_domain_limit": 50}
    rows = session.connection().exec_driver_sql(
        f"EXPLAIN {compiled}", compiled.construct_params(params)
    )
    return " | ".join(row[0] for row in rows)


def test_the_burst_check_reads_the_index_of_its_address_not_the_hours_signatures(session):
    # In a surge every signature runs the check. With only (proposal, signed_at) or the
    # address alone to go on, it read every signature of the last hour, or every one
    # the address ever made, to find the few it counts.
    p = proposal(session, ruleset(threshold=100_000))
    other = proposal(session, ruleset(threshold=100_000), title="Longer opening hours")
    members = add_members(session, 3000)
    office = "203.0.113.77"  # an office network's one address, busy on another proposal
    rows = [
        (p.id, member_id, f"198.51.{n // 250}.{n % 250}") for n, member_id in enumerate(members)
    ] + [(other.id, member_id, office) for member_id in members[:1500]]
    session.execute(
        Signature.__table__.insert(),
        [
            {
                "proposal_id": proposal_id,
                "member_id": member_id,
                "is_name_public": True,
                "signed_at": NOW,
                "ip_address": ip,
                "email_domain": "example.org",
            }
            for proposal_id, member_id, ip in rows
        ],
    )
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL chooses by its statistics, as autovacuum keeps them on a live table.
        # With none (a new table's first minute) it estimates one row for every index
        # that narrows by the proposal, and takes any of them.
        session.execute(text("ANALYZE signature"))
    plan = _burst_check_plan(session, p, office)
    assert "ix_signature_ip_proposal_recent" in plan, plan
    if session.get_bind().dialect.name == "postgresql":
        signer = session.get(Member, members[0])
        plan = _signature_read_plan(session, signer.session_token, p.public_id, office)
        assert "ix_signature_ip_proposal_recent" in plan, plan
        assert "ix_signature_domain_proposal_recent" in plan, plan
