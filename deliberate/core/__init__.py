"""Pure domain logic: rules, thresholds, quorums, counting, hash chains.

Nothing in this package imports Flask, SQLAlchemy, WTForms or deliberate.models;
tests/core/test_purity.py enforces that.
"""
