"""Errors of the signing layer. Their messages are for the user, in Vietnamese."""


class SigningError(Exception):
    """Signing could not be done; ``str(error)`` is a Vietnamese sentence for the user."""


class WrongPinError(SigningError):
    """The signing PIN does not open the key (or the token refused it)."""

    def __init__(self, message: str = "Mã PIN ký số không đúng. Vui lòng nhập lại."):
        super().__init__(message)


class SigningSetupError(SigningError):
    """Missing or inconsistent signing configuration (CA, certificate, token, service)."""


class RemoteSigningError(SigningError):
    """The remote signing service (CSC API) refused or failed."""


class SigningRefused(SigningError):
    """A signing step that the rules do not allow now (not locked, not assigned, already signed…)."""
