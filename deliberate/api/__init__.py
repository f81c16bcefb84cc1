"""The public JSON API, /api/v1: versioned, paginated, rate-limited, described by OpenAPI.

Every item carries its `id`, its `state` where it has one, and `url`, the address of its
page in the browser. Errors are always {"error": code, "message": text}.
"""

from flask import Blueprint, current_app, jsonify, request, url_for

from deliberate.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie-authenticated writes here: tokens or nothing

MAX_PER_PAGE = 100


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]


limiter.limit(_api_limit)(bp)


class BadParameter(Exception):
    """A query parameter that cannot be used as given."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter):
    return jsonify({"error": "bad_parameter", "message": f"{error.name}: {error.message}"}), 400


def page_arguments() -> tuple[int, int]:
    """?page= (from 1) and ?per_page= (1 to 100), or BadParameter."""
    values = []
    for name, default, highest in (("page", 1, 100_000), ("per_page", 20, MAX_PER_PAGE)):
        raw = request.args.get(name, str(default))
        if not raw.isdigit() or not 1 <= int(raw) <= highest:
            raise BadParameter(name, f"must be a whole number from 1 to {highest}")
        values.append(int(raw))
    return values[0], values[1]


def page_of(items: list, total: int, page: int, per_page: int, endpoint: str, **args) -> dict:
    """The standard list envelope, with links to the neighbouring pages."""
    last = max((total + per_page - 1) // per_page, 1)

    def link(number: int) -> str | None:
        if not 1 <= number <= last:
            return None
        return url_for(endpoint, page=number, per_page=per_page, _external=True, **args)

    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "next": link(page + 1) if page < last else None,
        "prev": link(page - 1) if page > 1 else None,
    }


from deliberate.api import auditor, meta, openapi, proposals, referendums, rulebook  # noqa: E402,F401  (routes register on bp)
