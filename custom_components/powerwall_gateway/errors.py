"""The one table from gateway client errors to what Home Assistant shows.

Every coordinator and every config flow step translate a client error through
here, so a given gateway behaviour has one translation key everywhere: the
form error, the setup-retry reason and the log line agree.
"""

from __future__ import annotations

from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import (
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallCertificateError,
    PowerwallConnectionError,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallLoginBackoffError,
    PowerwallNotGatewayError,
    PowerwallRateLimitError,
    PowerwallUnsupportedError,
)
from .const import DOMAIN

# Translation key of each client error; the most specific class listed wins
# (PowerwallNotGatewayError is an invalid response; a timeout and a changed
# certificate are connection errors).
ERROR_KEYS: dict[type[PowerwallError], str] = {
    PowerwallCertificateError: "certificate_changed",
    PowerwallAuthenticationError: "invalid_auth",
    PowerwallLoginBackoffError: "login_backoff",
    PowerwallRateLimitError: "rate_limited",
    PowerwallBusyError: "busy",
    PowerwallUnsupportedError: "unsupported",
    PowerwallNotGatewayError: "not_gateway",
    PowerwallConnectionError: "cannot_connect",
    PowerwallInvalidResponseError: "invalid_response",
}
UNKNOWN_ERROR = "unknown"


def error_key(err: PowerwallError) -> str:
    """The translation key of a client error, under ``exceptions`` and ``config.error``."""
    for cls in type(err).__mro__:
        if key := ERROR_KEYS.get(cls):
            return key
    return UNKNOWN_ERROR


def update_failed(err: PowerwallError) -> UpdateFailed:
    """A failed poll, translated, carrying the gateway's own words and any Retry-After."""
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key=error_key(err),
        translation_placeholders={"error": str(err)},
        retry_after=err.retry_after if isinstance(err, PowerwallRateLimitError) else None,
    )
