"""Mail and notifications are written in the recipient's language, not the sender's."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from deliberate.extensions import db
from deliberate.models import Member, Notification
from deliberate.services import accounts, notifications
from tests.conftest import make_member, now_utc, outbox

MAILER = accounts.AccountMail(org_name="Demo Org", link=lambda kind, token: f"https://x/{kind}")


def set_language(app, email: str, language: str | None) -> int:
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == email))
        db.session.execute(update(Member).where(Member.id == member.id).values(language=language))
        db.session.commit()
        return member.id


def test_a_spanish_member_gets_a_spanish_reset_mail_and_an_english_one_an_english_mail(app):
    make_member(app, "ana@example.org")
    make_member(app, "ben@example.org")
    set_language(app, "ana@example.org", "es")
    set_language(app, "ben@example.org", "en")
    with app.app_context():
        for email in ("ana@example.org", "ben@example.org"):
            accounts.request_password_reset(db.session, email, mailer=MAILER, now=now_utc())
    mails = {to: (subject, body) for to, subject, body, _status in outbox(app)}
    subject, body = mails["ana@example.org"]
    assert subject == "Restablezca su contraseña en Demo Org"
    assert "Para elegir una contraseña nueva, abra este enlace" in body and "https://x/" in body
    subject, body = mails["ben@example.org"]
    assert subject == "Reset your password at Demo Org"
    assert "To choose a new password, open this link" in body


def test_without_a_setting_a_members_own_request_follows_their_browser(app):
    make_member(app, "cris@example.org")
    with app.test_request_context(headers={"Accept-Language": "es"}):
        accounts.request_password_reset(
            db.session, "cris@example.org", mailer=MAILER, now=now_utc()
        )
    ((_to, subject, _body, _status),) = outbox(app)
    assert subject == "Restablezca su contraseña en Demo Org"


def test_a_notice_caused_by_a_spanish_speaker_reaches_each_member_in_their_language(app):
    make_member(app, "ana@example.org")
    make_member(app, "ben@example.org")
    make_member(app, "dan@example.org")  # no setting: the default language
    ids = [
        set_language(app, "ana@example.org", "es"),
        set_language(app, "ben@example.org", "en"),
        set_language(app, "dan@example.org", None),
    ]
    # The action happens in a Spanish-speaking committee member's request.
    with app.test_request_context(headers={"Accept-Language": "es"}):
        notifications.notify(
            db.session,
            member_ids=ids,
            kind="own_answered",
            text=_l("The committee admitted your proposal “%(title)s”", title="Tea"),
            now=now_utc(),
            path="/proposals/x",
            base_url="https://x",
            org_name="Demo Org",
        )
        db.session.commit()
        stored = {n.member_id: n.text for n in db.session.scalars(select(Notification)).all()}
    assert stored[ids[0]] == "El comité ha admitido su propuesta «Tea»"
    assert stored[ids[1]] == stored[ids[2]] == "The committee admitted your proposal “Tea”"
    mails = {to: (subject, body) for to, subject, body, _status in outbox(app)}
    subject, body = mails["ana@example.org"]
    assert subject == "Demo Org: El comité ha admitido su propuesta «Tea»"
    assert "Puede elegir qué avisos recibe en Configuración." in body
    subject, body = mails["ben@example.org"]
    assert subject == "Demo Org: The committee admitted your proposal “Tea”"
    assert "You can choose which notices you receive in Settings." in body
    assert mails["dan@example.org"] == mails["ben@example.org"]
