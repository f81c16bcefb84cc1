"""Validators shared by several forms."""

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError

from deliberate.services.names import MIXED_SCRIPTS, mixes_scripts


class EmailAddress:
    """A syntactically valid address; no DNS lookup, and reserved test domains allowed.

    WTForms' Email validator refuses special-use domains such as .test, which the demo
    logins (member@demo.deliberate.test) and many staging setups use.
    """

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(self.message) from error


class SingleScriptWords:
    """Refuse a name with a word such as "Аnn" (Cyrillic А): services/names.py (T20)."""

    def __init__(self, message: str = MIXED_SCRIPTS):
        self.message = message

    def __call__(self, form, field) -> None:
        if any(mixes_scripts(word) for word in (field.data or "").split()):
            raise ValidationError(self.message)
