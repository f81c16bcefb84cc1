"""The home page, public member pages and the warning before a link to another site."""

from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, abort, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import LocalGroup, Member, MembershipStatus
from deliberate.permissions import public
from deliberate.services import markdown, proposal_views
from deliberate.services.membership import get_member
from deliberate.web.forms_glue import safe_next
from deliberate.web.security import own_hosts

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def home():
    members = db.session.scalar(
        select(func.count()).select_from(Member).where(Member.status == MembershipStatus.ACTIVE)
    )
    groups = db.session.scalar(select(func.count()).select_from(LocalGroup))
    return render_template("main/home.html", member_count=members, group_count=groups)


@bp.get("/members/<public_id>")
@public
def member(public_id: str):
    member = get_member(db.session, public_id)
    viewer_id = current_user.id if current_user.is_authenticated else None
    activity = proposal_views.member_activity(db.session, member, viewer_id=viewer_id)
    return render_template("main/member.html", member=member, activity=activity)


def _ascii_host(host: str) -> str | None:
    """The punycode spelling of an international host name, which look-alikes cannot fake."""
    if host.isascii():
        return None
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


@bp.get(markdown.LEAVE_PATH)
@public
def leave():
    """Name the other site a member's link leads to before the reader follows it (T22)."""
    target = markdown.external_target(request.args.get("to", "")) or ""
    try:
        parts = urlsplit(target)
        host = parts.hostname
    except ValueError:
        host = None
    if not host:
        abort(400)
    if parts.netloc.lower() in own_hosts():
        # A link to one of our own pages: go there, as a same-site path.
        return redirect(safe_next(urlunsplit(("", "", parts.path or "/", parts.query, ""))))
    page = render_template(
        "main/leave.html", target=target, host=host, ascii_host=_ascii_host(host)
    )
    return page, 200, {"X-Robots-Tag": "noindex, nofollow"}


@bp.get("/healthz")
@public
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
