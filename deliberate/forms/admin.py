"""Committee forms: membership status, roles and the roll import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from deliberate import labels
from deliberate.models import MembershipStatus, Role


class StatusForm(FlaskForm):
    status = SelectField(
        _l("New status"),
        choices=labels.choices(MembershipStatus),
        validators=[DataRequired()],
    )
    effective_on = DateField(
        _l("Effective from"), validators=[DataRequired(_l("Enter a date as YYYY-MM-DD."))]
    )
    reason = TextAreaField(
        _l("Reason (shown to the member and in the audit log)"),
        validators=[DataRequired(_l("State the reason.")), Length(max=500)],
    )
    # The status the page showed: a change made meanwhile by someone else is not
    # overwritten (services.membership.change_status, T11).
    seen_status = HiddenField(
        validators=[Optional(), AnyOf([status.value for status in MembershipStatus])]
    )


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=labels.choices(Role),
        validators=[DataRequired()],
    )
    action = SelectField(
        _l("Action"),
        choices=[("grant", _l("Grant")), ("revoke", _l("Remove"))],
        validators=[DataRequired()],
    )


# The preview hands the roll back in a hidden field, which must fit the form memory limit
# (config.MAX_FORM_MEMORY_SIZE): about 6,000 members at 80 characters a line.
ROLL_MAX_CHARS = 480_000


class RollUploadForm(FlaskForm):
    roll_file = FileField(
        _l("Membership roll (CSV with columns name, email, local_group, join_date)")
    )
    roll_text = TextAreaField(_l("…or paste the CSV here"), validators=[Length(max=ROLL_MAX_CHARS)])


class RollApplyForm(FlaskForm):
    roll_text = HiddenField(validators=[DataRequired(), Length(max=ROLL_MAX_CHARS)])
