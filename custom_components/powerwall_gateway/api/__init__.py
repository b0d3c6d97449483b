"""A Tesla Backup Gateway's local API without Home Assistant: the client, and what its answers mean.

Nothing in this package imports Home Assistant, so it can be tested, and
shipped, on its own: the client with its models and errors, the site policy
(``site``), the outage history (``outages``) and the diagnostics' pseudonyms
(``pseudonyms``).
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
