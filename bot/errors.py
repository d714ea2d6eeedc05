"""The error hierarchy: the engine catches these in one place."""


class ServicebotError(Exception):
    """Base of all errors we raise on purpose."""


class PayloadError(ServicebotError):
    """A webhook body we cannot accept; the message is the reason given to the caller."""


class NluUnavailableError(ServicebotError):
    """The NLU server did not answer in time or answered with an error."""


class DeliveryError(ServicebotError):
    """A messenger API refused or failed to accept a reply."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        blocked: bool = False,
    ):
        """`blocked`: the customer blocked the bot (permanent until they write again)."""
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent or blocked
        self.blocked = blocked
