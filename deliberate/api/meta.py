"""The API's front door and the deployment's public signing key."""

from flask import current_app, jsonify, url_for

from deliberate.api import bp
from deliberate.permissions import public
from deliberate.services import signing_key


@bp.get("/")
@public
def index():
    return jsonify(
        {
            "name": "Deliberate API",
            "version": "v1",
            "openapi": url_for("api.openapi_document", _external=True),
            "proposals": url_for("api.proposals", _external=True)
            if "api.proposals" in current_app.view_functions
            else None,
            "referendums": url_for("api.referendums", _external=True)
            if "api.referendums" in current_app.view_functions
            else None,
            "rulebook_versions": url_for("api.rulebook_versions", _external=True),
            "public_key": url_for("api.public_key", _external=True),
        }
    )


@bp.get("/public-key")
@public
def public_key():
    from pathlib import Path

    key = signing_key.load_or_create(Path(current_app.config["SIGNING_KEY_PATH"]))
    return jsonify({"algorithm": "Ed25519", "public_key_pem": signing_key.public_pem(key)})
