"""The errors domain commands raise. Each carries a translated message that is safe to show to the
user as it is, and an optional code that a view or the API maps to a form field or a status."""


class DomainError(Exception):
    """A refused action: bad input here, and the base of the two refusals below. `message` is
    translated and safe to show to the user."""

    def __init__(self, message, code=None):
        super().__init__(str(message))
        self.message = message
        self.code = code


class NotAllowed(DomainError):
    """The permission rules do not let this person do this (`core.permissions.require`).
    Pages answer 403, the API 403."""

    def __init__(self, message, code="forbidden"):
        super().__init__(message, code)


class InvalidTransition(DomainError):
    """The object's state does not allow this move: a proposal already submitted, a stage that
    closed, a comment already hidden, a submission already registered. Each app states its
    allowed moves in a table (`TRANSITIONS`); a command refuses any other move with this error,
    which the API answers with 409 Conflict."""
