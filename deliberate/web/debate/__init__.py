"""The debate blueprint: threads on proposals and referendums, moderation, amendments.

Split by area into threads.py, moderation.py and amendments.py, which add their routes
to the one blueprint defined here.
"""

from flask import Blueprint, abort, current_app, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from deliberate.core import debate as rules
from deliberate.core.errors import NotFoundError
from deliberate.extensions import db, limiter
from deliberate.i18n import translate
from deliberate.models import Stance
from deliberate.services import debate, debate_case, debate_mail, markdown

bp = Blueprint("debate", __name__)

STANCE_LABELS = {
    Stance.FOR: "For",
    Stance.AGAINST: "Against",
    Stance.QUESTION: "Question",
    Stance.NONE: "",
}


def _member_key() -> str:
    if current_user.is_authenticated:
        return "member:" + current_user.public_id
    return get_remote_address()


# Posting, replying and editing share one per-member budget (RATELIMIT_POST).
posting_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_POST"],
    scope="debate-post",
    key_func=_member_key,
    methods=["POST"],
)


def notice(path: str) -> debate_mail.Notice:
    """The organisation's name and an absolute link, for notification emails."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return debate_mail.Notice(org=current_app.config["ORG_NAME"], link=base + path)


def thread_url(subject: debate.Subject, anchor: str | None = None) -> str:
    """The address of a subject's discussion, optionally at one contribution."""
    if subject.kind == "proposal":
        url = url_for("debate.proposal_thread", proposal_id=subject.public_id)
    else:
        url = url_for("debate.referendum_thread", referendum_id=subject.public_id)
    return f"{url}#c-{anchor}" if anchor else url


def load_contribution(public_id: str):
    """A contribution and its subject, or 404 (also when its subject is not public)."""
    try:
        contribution = debate.get_contribution(db.session, public_id)
        return contribution, debate.subject_of(db.session, contribution)
    except NotFoundError:
        abort(404)


def page_argument() -> int:
    """?page= as a number; anything else is a 404, like every other list."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        abort(404)
    return int(raw)


@bp.app_template_filter("sanitised")
def sanitised(html: str | None):
    """Sanitised Markdown HTML, cleaned again as it is shown (the one allowed raw HTML)."""
    return markdown.as_markup(html, leave_url=url_for("main.leave"))


@bp.app_context_processor
def debate_helpers():
    def case_for_against(proposal_id: int | None = None, referendum_public_id: str | None = None):
        """The case for and against for a proposal page or a ballot page."""
        return debate_case.case_for_subjects(
            db.session, proposal_id=proposal_id, referendum_public_id=referendum_public_id
        )

    return {
        "case_for_against": case_for_against,
        "rule_label": lambda code: translate(rules.rule_label(code)),
        "stance_labels": STANCE_LABELS,
    }


from deliberate.web.debate import amendments, moderation, threads  # noqa: E402, F401
