"""Repair issues: what the user should know about a gateway and can act on."""

from __future__ import annotations

from collections import deque

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN, REPEATED_RATE_LIMIT_COUNT, REPEATED_RATE_LIMIT_WINDOW

ISSUE_RATE_LIMITED = "rate_limited"
ISSUE_RESTRICTED_API = "restricted_api"


def rate_limited_issue_id(entry_id: str) -> str:
    """The repair issue of one entry whose gateway keeps rate-limiting."""
    return f"{ISSUE_RATE_LIMITED}_{entry_id}"


class RateLimitIssue:
    """Raise a repair issue when rate limits keep coming back; drop it when they stop.

    One rate limit is the gateway protecting itself. REPEATED_RATE_LIMIT_COUNT
    separate episodes within REPEATED_RATE_LIMIT_WINDOW mean something else is
    polling the gateway too, which the user can fix and we cannot.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, host: str) -> None:
        """Track the episodes of one entry's gateway."""
        self._hass = hass
        self._issue_id = rate_limited_issue_id(entry_id)
        self._host = host
        self._episodes: deque[float] = deque()
        self._limited = False

    @callback
    def rate_limited(self, now: float) -> None:
        """A request met a rate limit at ``now`` (a timestamp).

        An episode lasts until the gateway answers again, however many requests
        (of either coordinator) meet it meanwhile.
        """
        if self._limited:
            return
        self._limited = True
        window = REPEATED_RATE_LIMIT_WINDOW.total_seconds()
        self._episodes.append(now)
        while self._episodes[0] < now - window:
            self._episodes.popleft()
        if len(self._episodes) >= REPEATED_RATE_LIMIT_COUNT:
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_RATE_LIMITED,
                translation_placeholders={"host": self._host, "count": str(len(self._episodes))},
            )

    @callback
    def answered(self, now: float) -> None:
        """The gateway answered at ``now``; a full window without a rate limit drops the issue."""
        self._limited = False
        window = REPEATED_RATE_LIMIT_WINDOW.total_seconds()
        if self._episodes and self._episodes[-1] < now - window:
            self._episodes.clear()
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)

    @callback
    def remove(self) -> None:
        """Drop the issue with its entry (a new setup raises it again if still due)."""
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)


class RestrictedApiIssue:
    """Tell the user plainly what a gateway with a restricted local API does not offer."""

    def __init__(self, hass: HomeAssistant, entry_id: str, host: str) -> None:
        """The issue of one entry's gateway."""
        self._hass = hass
        self._issue_id = f"{ISSUE_RESTRICTED_API}_{entry_id}"
        self._host = host

    @callback
    def create(self) -> None:
        """The gateway answered /api/powerwalls with "not found"."""
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_RESTRICTED_API,
            translation_placeholders={"host": self._host},
        )

    @callback
    def remove(self) -> None:
        """The endpoint answers again, or the entry is unloaded."""
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
