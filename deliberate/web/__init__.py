"""HTML blueprints, one per area, plus the glue every view shares."""

import logging
from collections.abc import Iterator, Mapping
from functools import partial

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from deliberate import labels, permissions
from deliberate.extensions import db
from deliberate.i18n import number, recorded, stored_text, translate, vote_verdict, when
from deliberate.mailer.transports import transport_from_config
from deliberate.models import utcnow
from deliberate.services import mail

log = logging.getLogger(__name__)


class _Permissions(Mapping):
    """``can.name`` in templates: each predicate is asked when a page first uses it.

    A page uses two or three of the twenty; asking all of them on every render was a
    measurable share of a ballot's answer (bench/, issue 9).
    """

    def __init__(self, user) -> None:
        self._user = user
        self._answers: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        if name not in self._answers:
            self._answers[name] = permissions.PREDICATES[name](self._user)
        return self._answers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(permissions.PREDICATES)

    def __len__(self) -> int:
        return len(permissions.PREDICATES)


def register_blueprints(app: Flask) -> None:
    """Mount every blueprint and the template helpers."""
    from deliberate.web import (
        admin,
        amendment_drafting,
        audit,
        auth,
        debate,
        main,
        notifications,
        proposals,
        referendums,
        rulebook,
        signature_data,
        signature_review,
    )

    for module in (main, auth, admin, audit, rulebook, debate, referendums):
        app.register_blueprint(module.bp)
    for module in (proposals, notifications, signature_review, amendment_drafting, signature_data):
        app.register_blueprint(module.bp)

    # {{ member.status|label }}: a state, status or role in words, never its raw value;
    # {{ rule.text|translated }}: a core Message (rule descriptions) in the reader's language.
    app.add_template_filter(labels.label, "label")
    app.add_template_filter(translate, "translated")
    app.add_template_filter(recorded, "recorded")
    # {{ result|stored_text("verdict") }}: a result's sentence in the reader's language.
    app.add_template_filter(stored_text, "stored_text")
    app.add_template_filter(vote_verdict, "verdict")  # {{ referendum|verdict }}
    app.add_template_filter(when, "when")  # {{ moment|when }}: '3 de mayo de 2026, 14:00'.
    app.add_template_filter(number, "number")  # {{ 12345|number }}: '12,345', '12.345'.

    @app.context_processor
    def template_helpers():
        return {
            "can": _Permissions(current_user),
            "org_name": app.config["ORG_NAME"],
            "lang": str(get_locale() or "en"),
        }

    @app.after_request
    def deliver_mail_queued_by_this_request(response):
        # Only a request that queued mail tries to send: the rest would only take the
        # database's write lock to find nothing (the worker retries whatever waits).
        # Sending waits until the answer has gone out (the WSGI server closes the response
        # after its last byte): SMTP before it would make a reset request for a known
        # address answer later than one for an unknown address (T30).
        queued = db.session.info.pop(mail.QUEUED, False)
        if request.method == "POST" and app.config["MAIL_SEND_INLINE"] and queued:
            response.call_on_close(partial(deliver_after_response, app))
        return response


def deliver_after_response(app: Flask) -> None:
    """Inline delivery once the response is closed, in an app context of its own."""
    with app.app_context():
        deliver_queued_mail()


def deliver_queued_mail() -> None:
    """Try to send what is due now; failures stay queued for the worker to retry."""
    try:
        mail.deliver_due(
            db.session,
            transport_from_config(current_app.config, current_app.instance_path),
            sender=current_app.config["MAIL_FROM"],
            now=utcnow(),
            max_attempts=current_app.config["MAIL_MAX_ATTEMPTS"],
            limit=20,
        )
    except Exception:  # noqa: BLE001 - the user's action is already committed
        db.session.rollback()
        log.exception("inline mail delivery failed; the worker will retry")
