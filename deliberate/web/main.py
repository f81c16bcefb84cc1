"""The home page and public member pages."""

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import LocalGroup, Member, MembershipStatus
from deliberate.permissions import public
from deliberate.services import proposal_views
from deliberate.services.membership import get_member

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


@bp.get("/healthz")
@public
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
