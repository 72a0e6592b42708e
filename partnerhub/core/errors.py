"""Domain errors. Services raise them; views turn them into a message on the page."""


class ApplicationError(Exception):
    """A request that breaks a business rule. `message` is safe to show to the user."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
