"""Domain errors. Every error the platform raises on purpose subclasses DeliberateError."""


class DeliberateError(Exception):
    """Base of every expected, user-facing failure; carries a plain-language message.

    The message is translatable: core passes a ``core.messages.N_`` Message, services a
    lazy string (``flask_babel.lazy_gettext``). Show it with ``deliberate.i18n.error_message``,
    which gives plain text in the reader's language; ``str(error)`` is the same text
    without translating core's English.
    """

    status = 400
    code = "error"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs next to, if any


class ValidationError(DeliberateError):
    """Input that cannot be accepted as given."""

    status = 422
    code = "invalid"


class PhaseError(DeliberateError):
    """An action that the current state of an item does not allow."""

    status = 409
    code = "wrong_phase"


class ConflictError(DeliberateError):
    """Somebody else changed the thing first, or it already exists."""

    status = 409
    code = "conflict"


class NotEligibleError(DeliberateError):
    """The member may not take this action; the message says why."""

    status = 403
    code = "not_eligible"


class NotFoundError(DeliberateError):
    """No such item, or not one the viewer may see."""

    status = 404
    code = "not_found"
