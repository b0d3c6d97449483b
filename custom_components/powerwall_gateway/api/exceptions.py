"""Errors raised by the gateway client, each with the key of the words that explain it.

Every failure the client can meet is one of these; callers never see an
``aiohttp`` or ``json`` exception. ``translation_key`` names the one message
of a failure everywhere it is shown: the form's error, the setup retry's
reason and the log line agree.
"""

from __future__ import annotations

from typing import ClassVar


class PowerwallError(Exception):
    """Base class for every error of the gateway client."""

    translation_key: ClassVar[str] = "unknown"


class PowerwallConnectionError(PowerwallError):
    """The gateway could not be reached: refused, reset, unreachable or timed out."""

    translation_key = "cannot_connect"


class PowerwallTimeoutError(PowerwallConnectionError):
    """The gateway did not answer within the request timeout."""


class PowerwallCertificateError(PowerwallConnectionError):
    """The gateway's TLS certificate does not match the pinned fingerprint."""

    translation_key = "certificate_changed"

    def __init__(self, message: str, *, expected: str, actual: str | None) -> None:
        """Keep both fingerprints so a caller can show them to a person."""
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class PowerwallAuthenticationError(PowerwallError):
    """The gateway rejected the password (or the session, after one re-login)."""

    translation_key = "invalid_auth"


class PowerwallRateLimitError(PowerwallError):
    """The gateway answered HTTP 429; nothing is sent until ``retry_after`` passes."""

    translation_key = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        """Remember how many seconds the caller must wait."""
        super().__init__(message)
        self.retry_after = retry_after


class PowerwallLoginBackoffError(PowerwallRateLimitError):
    """A recent login failed, so no login is sent until ``retry_after`` has passed.

    The client backs off after any failed login (rejected, an error status, no
    usable token, a timeout), because repeated logins are how owners get locked
    out of their gateway. A rate-limit error by kind: either way the caller waits
    ``retry_after`` seconds. ``reason`` is the failure that started the wait, if
    this client saw it.
    """

    translation_key = "login_backoff"

    def __init__(self, message: str, *, retry_after: float, reason: PowerwallError | None) -> None:
        """Remember the wait and the failed login behind it."""
        super().__init__(message, retry_after=retry_after)
        self.reason = reason


class PowerwallBusyError(PowerwallError):
    """The site controller is stopped or busy (HTTP 409, 502 or 503)."""

    translation_key = "busy"

    def __init__(self, message: str, *, status: int) -> None:
        """Remember the HTTP status the gateway answered."""
        super().__init__(message)
        self.status = status


class PowerwallInvalidResponseError(PowerwallError):
    """The gateway answered something that is not the JSON expected."""

    translation_key = "invalid_response"


class PowerwallUnsupportedError(PowerwallError):
    """The device does not offer this endpoint (404): a restricted local API, or no gateway."""

    translation_key = "unsupported"


class PowerwallNotGatewayError(PowerwallInvalidResponseError):
    """The server that answered is not a Tesla gateway at all.

    Either it answered HTTPS with something no gateway sends, or it does not
    speak HTTPS at all (a plain-HTTP web server, such as Home Assistant's own).
    """

    translation_key = "not_gateway"
