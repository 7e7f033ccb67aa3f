"""Typed errors of the government-service client. None of them carries personal data."""

from __future__ import annotations

from kiosk.errors import KioskError


class ServiceError(KioskError):
    """Root of service errors: the question could not be answered by a trusted service reply."""

    translation_key = "service.error"


class ServiceUnreachable(ServiceError):
    """No connection to the service (network down, refused, TLS failure, dropped connection)."""

    translation_key = "service.unreachable"


class ServiceTimeout(ServiceUnreachable):
    """The service did not answer within the time allowed."""

    translation_key = "service.timeout"


class ServiceUnavailable(ServiceError):
    """The service answered, but with a server error (5xx) every time we asked."""

    translation_key = "service.unavailable"

    def __init__(self, message: str, *, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class ServiceRejected(ServiceError):
    """The service refused the request (4xx) and said why in ``reason`` (a machine-readable code)."""

    translation_key = "service.rejected"

    def __init__(self, message: str, *, http_status: int, reason: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.reason = reason


class ResponseNotTrusted(ServiceError):
    """A reply whose signature is missing, does not verify, or does not answer our request."""

    translation_key = "service.not_trusted"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class MalformedResponse(ServiceError):
    """A correctly signed reply whose content does not follow the contract."""

    translation_key = "service.malformed"
