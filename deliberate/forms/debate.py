"""Debate forms: contributions, flags, moderation, appeals, amendments, counter-proposals."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from deliberate.core.debate import HOUSE_RULES, rule_label
from deliberate.i18n import lazy

STANCES = [
    ("none", _l("No stance")),
    ("for", _l("For")),
    ("against", _l("Against")),
    ("question", _l("Question")),
]


class ContributionForm(FlaskForm):
    stance = RadioField(_l("Your stance"), choices=STANCES, default="none")
    body = TextAreaField(
        _l("Your contribution"),
        validators=[DataRequired(_l("Write something first.")), Length(max=20_000)],
    )


class FlagForm(FlaskForm):
    reason = TextAreaField(
        _l("Which house rule does it break, and how?"),
        validators=[DataRequired(_l("Give a reason.")), Length(max=500)],
    )


class HideForm(FlaskForm):
    rule = SelectField(
        _l("House rule broken"),
        choices=[(code, lazy(rule_label(code))) for code, _title, _text in HOUSE_RULES],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Public reason (shown in place of the text and in the moderation log)"),
        validators=[DataRequired(_l("Give the reason.")), Length(max=500)],
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Public reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=500)]
    )


class AppealForm(FlaskForm):
    statement = TextAreaField(
        _l("Why was hiding it wrong?"),
        validators=[DataRequired(_l("Say why.")), Length(max=2000)],
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[("accept", _l("Accept")), ("decline", _l("Decline"))],
        validators=[DataRequired(_l("Choose accept or decline."))],
    )
    reason = TextAreaField(
        _l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=1000)]
    )


class AppealDecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[("uphold", _l("Uphold: show it again")), ("reject", _l("Reject: keep it hidden"))],
        validators=[DataRequired(_l("Choose uphold or reject."))],
    )
    reason = TextAreaField(
        _l("Public reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=500)]
    )


class AmendmentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=1000)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=50_000)])
    reason = TextAreaField(
        _l("Why this change?"), validators=[DataRequired(_l("Say why.")), Length(max=2000)]
    )


class CounterProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=50_000)])
