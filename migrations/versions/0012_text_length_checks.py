"""CHECK the declared length of the form-bound text columns that lacked one (T19)

SQLite ignores VARCHAR(n), so without a CHECK only the form stood between an over-long
value and the database; PostgreSQL would have refused it with a 500 instead of a message.

Revision ID: 0012_text_length_checks
Revises: 0011_committee_edit_guards
"""

from alembic import op

revision = "0012_text_length_checks"
down_revision = "0011_committee_edit_guards"
branch_labels = None
depends_on = None

# table -> [(constraint name as the naming convention spells it, condition)]
CHECKS = {
    "account_token": [("ck_account_token_new_email_length", "length(new_email) <= 254")],
    "api_token": [("ck_api_token_name_length", "length(name) <= 80")],
    "amendment": [
        ("ck_amendment_reason_length", "length(reason) <= 2000"),
        ("ck_amendment_decision_reason_length", "length(decision_reason) <= 1000"),
    ],
    "appeal": [("ck_appeal_decision_reason_length", "length(decision_reason) <= 500")],
    "contribution": [("ck_contribution_hidden_reason_length", "length(hidden_reason) <= 500")],
    "moderation_action": [("ck_moderation_action_reason_length", "length(reason) <= 500")],
    "proposal": [("ck_proposal_kind_length", "length(kind) <= 40")],
    "proposal_text_version": [
        ("ck_proposal_text_version_title_length", "length(title) <= 200"),
        ("ck_proposal_text_version_summary_length", "length(summary) <= 1000"),
    ],
    "signature": [
        ("ck_signature_invalidation_reason_length", "length(invalidation_reason) <= 500")
    ],
}


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _condition in reversed(checks):
                batch_op.drop_constraint(op.f(name), type_="check")
