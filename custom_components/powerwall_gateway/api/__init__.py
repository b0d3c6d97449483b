"""A Home Assistant-free client for the local API of a Tesla Backup Gateway.

Nothing in this package imports Home Assistant, so it can be tested, and
shipped, on its own.
"""

from .certificate import readable_fingerprint
from .client import PowerwallClient
from .exceptions import (
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallCertificateError,
    PowerwallConnectionError,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallLoginBackoffError,
    PowerwallNotGatewayError,
    PowerwallRateLimitError,
    PowerwallTimeoutError,
    PowerwallUnsupportedError,
)
from .host import normalize_host
from .models import (
    Battery,
    BatteryType,
    Check,
    CheckResult,
    CheckStatus,
    Diagnostic,
    GatewayInfo,
    GridConnection,
    GridState,
    GridStatus,
    GridStatusInfo,
    Powerwalls,
    PowerwallStatus,
    Sync,
)

__all__ = [
    "Battery",
    "BatteryType",
    "Check",
    "CheckResult",
    "CheckStatus",
    "Diagnostic",
    "GatewayInfo",
    "GridConnection",
    "GridState",
    "GridStatus",
    "GridStatusInfo",
    "PowerwallAuthenticationError",
    "PowerwallBusyError",
    "PowerwallCertificateError",
    "PowerwallClient",
    "PowerwallConnectionError",
    "PowerwallError",
    "PowerwallInvalidResponseError",
    "PowerwallLoginBackoffError",
    "PowerwallNotGatewayError",
    "PowerwallRateLimitError",
    "PowerwallStatus",
    "PowerwallTimeoutError",
    "PowerwallUnsupportedError",
    "Powerwalls",
    "Sync",
    "normalize_host",
    "readable_fingerprint",
]
