"""Constants of the Powerwall Gateway integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "powerwall_gateway"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "Tesla"

CONF_SESSION: Final = "session"
# When the entry's client may log in again after a failed login (a UTC timestamp):
# kept in the entry so a restart during the backoff does not log in at once.
CONF_LOGIN_BACKOFF_UNTIL: Final = "login_backoff_until"
CONF_GRID_INTERVAL: Final = "grid_interval"
# The flags interval (its key predates the grid interval); also how soon any failed
# read is tried again, at most every minute.
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_POWERWALLS_INTERVAL: Final = "powerwalls_interval"

# The live grid status (a few dozen bytes) is read every GRID_INTERVAL: what an
# outage automation waits for. The gateway's flags every SCAN_INTERVAL. The full
# /api/powerwalls (every battery, every diagnostic check) changes rarely, so it
# is read every POWERWALLS_INTERVAL, and at every status poll while the gateway
# is busy or the site is off grid. At the defaults that is 360 + 120 + 12 = 492
# requests an hour, under half of Home Assistant's own powerwall integration.
DEFAULT_GRID_INTERVAL: Final = 10
MIN_GRID_INTERVAL: Final = 5
MAX_GRID_INTERVAL: Final = 300
DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 10
MAX_SCAN_INTERVAL: Final = 300
DEFAULT_POWERWALLS_INTERVAL: Final = 300
MIN_POWERWALLS_INTERVAL: Final = 60
MAX_POWERWALLS_INTERVAL: Final = 3600

REQUEST_TIMEOUT: Final = 10.0
# The longest wait after failed logins (they double from 30 s): a stored wait
# beyond it (a clock that was ahead when it was saved) is discarded.
LOGIN_BACKOFF: Final = (30.0, 1800.0)

# A battery missing from this many full reads in a row has its device removed.
STALE_DEVICE_READS: Final = 2

# This many separate rate-limit episodes within REPEATED_RATE_LIMIT_WINDOW mean
# something else is hammering the gateway: tell the user with a repair issue.
REPEATED_RATE_LIMIT_COUNT: Final = 3
REPEATED_RATE_LIMIT_WINDOW: Final = timedelta(hours=1)
