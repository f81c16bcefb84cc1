"""Forms for proposals: text, signing, invitations, the committee gate, signature review."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional


class ProposalForm(FlaskForm):
    kind = SelectField(_l("Kind of proposal"), validators=[DataRequired()])
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Give the proposal a title.")), Length(max=200)]
    )
    summary = TextAreaField(
        _l("Summary (one or two sentences, shown in lists)"),
        validators=[
            DataRequired(_l("Summarise the proposal in a sentence or two.")),
            Length(max=1000),
        ],
    )
    body = TextAreaField(
        _l("Full text (Markdown: **bold**, *italic*, lists, [links](https://…))"),
        validators=[DataRequired(_l("Write the text of the proposal.")), Length(max=20_000)],
    )
    local_group = SelectField(
        _l("Only for members of one local group (optional)"), coerce=int, validators=[Optional()]
    )


class SignForm(FlaskForm):
    show_name = BooleanField(_l("Show my name publicly as a signer"))


class EmptyForm(FlaskForm):
    """A form with nothing but the CSRF token (register, withdraw, admit...)."""


class InviteForm(FlaskForm):
    emails = TextAreaField(
        _l("Email addresses of members to invite (separated by spaces or commas)"),
        validators=[DataRequired(_l("Enter at least one email address.")), Length(max=5000)],
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for rejecting (shown publicly)"),
        validators=[DataRequired(_l("State the reason; it is shown publicly.")), Length(max=1000)],
    )


class InvalidateForm(FlaskForm):
    field = SelectField(
        _l("Match signatures where"),
        choices=[("ip", _l("the IP address is")), ("email_domain", _l("the email domain is"))],
        validators=[DataRequired()],
    )
    value = StringField(
        _l("Value"), validators=[DataRequired(_l("Enter the value to match.")), Length(max=254)]
    )
    proposal = StringField(
        _l("Only on this proposal (its id from the address; optional)"),
        validators=[Optional(), Length(max=16)],
    )
    reason = TextAreaField(
        _l("Reason (recorded in the audit log)"), validators=[Optional(), Length(max=500)]
    )
    expected = IntegerField(validators=[Optional()])
    action = HiddenField(default="preview")


class RestoreForm(FlaskForm):
    """Count again the signatures one invalidation struck out, with a reason (T33)."""

    invalidation = SelectField(
        _l("Invalidation"),
        coerce=int,
        validate_choice=True,
        validators=[DataRequired(_l("Choose the invalidation to undo."))],
    )
    reason = TextAreaField(
        _l("Reason for restoring (recorded in the audit log)"),
        validators=[Optional(), Length(max=500)],
    )


class HeldSignaturesForm(FlaskForm):
    """Release held signatures into the count, or reject them (T32)."""

    signature = SelectMultipleField(
        _l("Signatures"),
        coerce=int,
        validators=[DataRequired(_l("Tick at least one held signature."))],
    )
    decision = SelectField(
        _l("Decision"),
        choices=[("release", _l("Release")), ("reject", _l("Reject"))],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason (recorded in the audit log; needed to reject)"),
        validators=[Optional(), Length(max=500)],
    )
