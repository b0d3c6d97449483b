"""A Home Assistant-free client for the local API of a Tesla Backup Gateway.

Nothing in this package imports Home Assistant, so it can be tested, and
shipped, on its own.
"""

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
    BATTERY_MODELS,
    STATUS_FLAGS,
    Battery,
    BatteryType,
    Check,
    CheckStatus,
    Diagnostic,
    GatewayInfo,
    GridState,
    GridStatus,
    GridStatusInfo,
    Powerwalls,
    PowerwallStatus,
    Sync,
    parse_status,
    worst_status,
)

__all__ = [
    "BATTERY_MODELS",
    "STATUS_FLAGS",
    "Battery",
    "BatteryType",
    "Check",
    "CheckStatus",
    "Diagnostic",
    "GatewayInfo",
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
    "parse_status",
    "worst_status",
]
