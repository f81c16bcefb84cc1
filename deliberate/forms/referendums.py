"""Committee forms for votes (new, extend, draft wording) and the receipt check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from deliberate import labels
from deliberate.labels import METHOD_LABELS
from deliberate.models import MembershipStatus, ReferendumKind

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class NewVoteForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            (ReferendumKind.ELECTION.value, _l("Election")),
            (ReferendumKind.POLL.value, _l("Consultative poll")),
            (ReferendumKind.REFERENDUM.value, _l("Referendum")),
        ],
    )
    method = SelectField(
        _l("Ballot"), choices=[(m.value, label) for m, label in METHOD_LABELS.items()]
    )
    question = StringField(_l("Question or office"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Explanation"), validators=[Length(max=5000)])
    options = TextAreaField(
        _l("Options or candidates, one per line"), validators=[Length(max=10000)]
    )
    counter_text = TextAreaField(
        _l("Counter-proposal (double yes only)"), validators=[Length(max=5000)]
    )
    seats = IntegerField(_l("Seats"), default=1, validators=[NumberRange(min=1, max=99)])
    opens_at = DateTimeLocalField(
        _l("Opens (organisation time)"),
        format=LOCAL_FORMAT,
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    closes_at = DateTimeLocalField(
        _l("Closes (organisation time)"),
        format=LOCAL_FORMAT,
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    statuses = SelectMultipleField(
        _l("Who may vote"),
        choices=labels.choices(MembershipStatus),
        default=[MembershipStatus.ACTIVE.value],
    )
    min_membership_days = IntegerField(
        _l("Minimum days of membership"), default=0, validators=[NumberRange(min=0, max=36500)]
    )
    group = SelectField(_l("Only members of"), choices=[], validate_choice=False)
    turnout_quorum = IntegerField(
        _l("Turnout quorum, % (yes/no only)"), validators=[Optional(), NumberRange(min=1, max=100)]
    )
    majority = SelectField(
        _l("Majority (yes/no only)"),
        choices=[
            ("1/2", _l("Simple majority")),
            ("3/5", _l("At least 60%")),
            ("2/3", _l("At least two thirds")),
        ],
    )


class ExtendForm(FlaskForm):
    closes_at = DateTimeLocalField(
        _l("New closing time (organisation time)"),
        format=LOCAL_FORMAT,
        validators=[DataRequired(_l("Enter a date and time."))],
    )
    reason = StringField(
        _l("Reason (recorded in the audit log)"), validators=[DataRequired(), Length(max=500)]
    )


class DraftForm(FlaskForm):
    question = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Explanation"), validators=[Length(max=5000)])
    # The draft's edit_version when the page was shown: a save made meanwhile by someone
    # else is not overwritten (services.vote_drafts.update_draft, T11).
    version = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)])


class ReceiptForm(FlaskForm):
    receipt = StringField(_l("Your receipt code"), validators=[DataRequired(), Length(max=64)])
