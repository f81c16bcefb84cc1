"""The auditor's bundle: one signed, byte-reproducible zip per closed referendum.

The format is specified in docs/bundle-format.md; deliberate/audit/verify_bundle.py checks it.
"""

from deliberate.core.bundle.csv_cells import escape_cell, unescape_cell
from deliberate.core.bundle.writer import BUNDLE_FILES, BundleSummary, write_bundle

__all__ = ["BUNDLE_FILES", "BundleSummary", "escape_cell", "unescape_cell", "write_bundle"]
