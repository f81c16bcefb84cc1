"""Rulebook versions: every rule set the organisation has had, with its hash."""

import json

from flask import jsonify, url_for

from deliberate.api import bp, page_arguments, page_of
from deliberate.extensions import db
from deliberate.models import RulebookVersion
from deliberate.permissions import public
from deliberate.services import rulebook


def version_item(version: RulebookVersion, current: int, *, with_content: bool = False) -> dict:
    """One version as the API shows it; `current` is the number in force."""
    item = {
        "id": version.number,
        "state": "in_force" if version.number == current else "superseded",
        "number": version.number,
        "content_hash": version.content_hash,
        "reason": version.reason,
        "created_at": version.created_at.isoformat(),
        "author": version.author.display_name if version.author else None,
        "enacted_by": version.enacted_by,
        "url": url_for("rulebook.version", number=version.number, _external=True),
    }
    if with_content:
        item["content"] = json.loads(version.content_json)
    return item


@bp.get("/rulebook/versions")
@public
def rulebook_versions():
    page, per_page = page_arguments()
    versions = rulebook.versions(db.session)  # newest first; a rulebook has few versions
    current = versions[0].number
    chosen = versions[(page - 1) * per_page : page * per_page]
    items = [version_item(v, current) for v in chosen]
    return jsonify(page_of(items, len(versions), page, per_page, "api.rulebook_versions"))


@bp.get("/rulebook/versions/<int(min=1, max=2147483647):number>")
@public
def rulebook_version(number: int):
    current = rulebook.current_version(db.session).number
    version = rulebook.get_version(db.session, number)
    return jsonify(version_item(version, current, with_content=True))
