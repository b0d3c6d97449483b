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

# While the gateway rate-limits us or its site controller is busy, entities keep
# their last values; once a read is overdue by this long they go unavailable.
STALE_AFTER: Final = timedelta(minutes=10)

# A battery missing from this many full reads in a row has its device removed.
STALE_DEVICE_READS: Final = 2

# This many separate rate-limit episodes within REPEATED_RATE_LIMIT_WINDOW mean
# something else is hammering the gateway: tell the user with a repair issue.
REPEATED_RATE_LIMIT_COUNT: Final = 3
REPEATED_RATE_LIMIT_WINDOW: Final = timedelta(hours=1)

# Unknown enum values are logged once each; a gateway inventing new ones on
# every read must not grow the memory of what was logged without end.
MAX_LOGGED_UNKNOWN_VALUES: Final = 100

# A gateway whose local API is restricted answers /api/powerwalls with 404; it is
# asked again this often, in case a firmware update brought the endpoint back.
RESTRICTED_REPROBE_INTERVAL: Final = timedelta(hours=3)
# A gateway that served /api/powerwalls and then answers 404 is held like a busy
# one; only this many 404s in a row over at least this long make it restricted.
RESTRICTED_AFTER_READS: Final = 3
RESTRICTED_AFTER: Final = timedelta(minutes=15)
# While /api/powerwalls/status is locked or absent, it is tried again this often.
STATUS_REPROBE_INTERVAL: Final = timedelta(minutes=30)
