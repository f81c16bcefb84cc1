"""The home page and public member pages."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.models import LocalGroup, Member, MembershipStatus
from deliberate.permissions import public
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
    return render_template("main/member.html", member=get_member(db.session, public_id))


@bp.get("/healthz")
@public
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
