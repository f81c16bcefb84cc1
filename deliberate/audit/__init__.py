"""Auditor tools that run outside the application: the standalone bundle verifier."""
