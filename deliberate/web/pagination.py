"""One pagination helper for every list page."""

from flask import abort, request

from deliberate.extensions import db

PER_PAGE = 50


def paginate(statement, per_page: int = PER_PAGE):
    """Paginate a select() by the ?page= argument; a non-number page is a 404."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(404)
    return db.paginate(statement, page=int(raw), per_page=per_page, error_out=True)
