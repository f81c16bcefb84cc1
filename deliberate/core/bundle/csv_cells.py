"""CSV cells that a spreadsheet will not run as formulas, and the exact inverse.

A cell whose first character is = + - @ TAB or CR can be taken for a formula by Excel,
LibreOffice or Google Sheets (OWASP "CSV injection"). Such a cell gets one leading
apostrophe. A cell that already starts with an apostrophe gets one too, so that the
rule is reversible: to undo it, drop the first character of any cell starting with "'".
"""

DANGEROUS_FIRST = frozenset("=+-@\t\r'")


def escape_cell(value: str) -> str:
    """Prefix an apostrophe if the cell starts with = + - @ TAB CR or an apostrophe."""
    return "'" + value if value[:1] in DANGEROUS_FIRST else value


def unescape_cell(value: str) -> str:
    """Undo escape_cell: drop one leading apostrophe, if there is one."""
    return value[1:] if value.startswith("'") else value
