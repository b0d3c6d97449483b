"""Constants of the Powerwall Gateway integration."""

from datetime import timedelta
import logging
from typing import Final

from homeassistant.util.hass_dict import HassKey

DOMAIN: Final = "powerwall_gateway"
LOGGER = logging.getLogger(__package__)

# When each entry's gateway allows requests again (event-loop time). Kept across
# reloads and setup retries, which build a new client: a new client must not
# forget a rate limit and log in again at once.
COOLDOWNS: HassKey[dict[str, float]] = HassKey(DOMAIN)

MANUFACTURER: Final = "Tesla"

CONF_SESSION: Final = "session"
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_POWERWALLS_INTERVAL: Final = "powerwalls_interval"

# The small endpoints (/api/powerwalls/status and the live grid status) are
# polled every SCAN_INTERVAL: what a grid-outage automation needs. The full
# /api/powerwalls (every battery, every diagnostic check) changes rarely, so it
# is read every POWERWALLS_INTERVAL, and on every poll while the gateway is busy
# updating, enumerating, detecting phases or qualifying for the grid.
DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 10
MAX_SCAN_INTERVAL: Final = 300
DEFAULT_POWERWALLS_INTERVAL: Final = 300
MIN_POWERWALLS_INTERVAL: Final = 60
MAX_POWERWALLS_INTERVAL: Final = 3600

REQUEST_TIMEOUT: Final = 10.0

# While the gateway rate-limits us or its site controller is busy, entities keep
# their last values; after this long without fresh data they go unavailable.
STALE_AFTER: Final = timedelta(minutes=10)

# This many separate rate-limit episodes within REPEATED_RATE_LIMIT_WINDOW mean
# something else is hammering the gateway: tell the user with a repair issue.
# A battery missing from this many full reads in a row has its device removed.
STALE_DEVICE_READS: Final = 2

REPEATED_RATE_LIMIT_COUNT: Final = 3
REPEATED_RATE_LIMIT_WINDOW: Final = timedelta(hours=1)
ISSUE_RATE_LIMITED: Final = "rate_limited"


def rate_limited_issue_id(entry_id: str) -> str:
    """The repair issue of one entry whose gateway keeps rate-limiting."""
    return f"{ISSUE_RATE_LIMITED}_{entry_id}"
