class DomainError(Exception):
    """An action the rules do not allow. `message` is translated and safe to show to the user."""

    def __init__(self, message, code=None):
        super().__init__(str(message))
        self.message = message
        self.code = code
