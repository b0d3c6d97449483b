"""Repair issues of a gateway, and their fix flows (Home Assistant's repairs platform)."""

from __future__ import annotations

from collections import deque

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api import PowerwallCertificateError, readable_fingerprint
from .clients import CONF_CERTIFICATE_FINGERPRINT
from .const import DOMAIN, LOGGER, REPEATED_RATE_LIMIT_COUNT, REPEATED_RATE_LIMIT_WINDOW

CONF_RESTRICTED_API_ACKNOWLEDGED = "restricted_api_acknowledged"  # in the entry's data, once read
_ENTRY_ID, _FINGERPRINT = "entry_id", "fingerprint"  # what an issue hands its fix flow


class _EntryIssue:
    """One entry's issue of the kind ``key``, raised by the subclass."""

    key: str

    def __init__(self, hass: HomeAssistant, entry_id: str, host: str) -> None:
        """The issue of one entry's gateway, at ``host``."""
        self._hass, self._entry_id, self._host = hass, entry_id, host
        self._issue_id = f"{self.key}_{entry_id}"

    @callback
    def remove(self) -> None:
        """Drop the issue: what it said is over, or the entry is unloaded."""
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)


class RateLimitIssue(_EntryIssue):
    """REPEATED_RATE_LIMIT_COUNT rate limits in REPEATED_RATE_LIMIT_WINDOW: another poller."""

    key = "rate_limited"

    def __init__(self, hass: HomeAssistant, entry_id: str, host: str) -> None:
        """Track the episodes (each until the gateway answers) of one entry's gateway."""
        super().__init__(hass, entry_id, host)
        self._episodes: deque[float] = deque()
        self._limited = False  # an episode is under way

    @callback
    def rate_limited(self, now: float) -> None:
        """A request met a rate limit at ``now`` (a timestamp)."""
        if self._limited:
            return
        self._limited = True
        self._episodes.append(now)
        while self._episodes[0] < now - REPEATED_RATE_LIMIT_WINDOW.total_seconds():
            self._episodes.popleft()
        if len(self._episodes) >= REPEATED_RATE_LIMIT_COUNT:
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="rate_limited",
                translation_placeholders={"host": self._host, "count": str(len(self._episodes))},
            )

    @callback
    def answered(self, now: float) -> None:
        """The gateway answered at ``now``."""
        self._limited = False
        if self._episodes and self._episodes[-1] < now - REPEATED_RATE_LIMIT_WINDOW.total_seconds():
            self._episodes.clear()
            self.remove()


class RestrictedApiIssue(_EntryIssue):
    """Say once what a restricted gateway lacks; once acknowledged, never again for the entry."""

    key = "restricted_api"

    @callback
    def create(self) -> None:
        """The gateway answered /api/powerwalls with "not found"."""
        entry = self._hass.config_entries.async_get_entry(self._entry_id)
        if entry is not None and not entry.data.get(CONF_RESTRICTED_API_ACKNOWLEDGED):
            ir.async_create_issue(
                self._hass,
                DOMAIN,
                self._issue_id,
                data={_ENTRY_ID: self._entry_id},
                is_fixable=True,  # an acknowledgement
                severity=ir.IssueSeverity.WARNING,  # the mildest Home Assistant has
                translation_key="restricted_api",
                translation_placeholders={"host": self._host},
            )


@callback
def async_certificate_changed(
    hass: HomeAssistant, entry: ConfigEntry, err: PowerwallCertificateError
) -> None:
    """Another certificate at the entry's address: nothing sent, one log line, an issue to trust it."""
    issue_id, host = f"certificate_changed_{entry.entry_id}", entry.data[CONF_HOST]
    raised = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    if raised is None or (raised.data or {}).get(_FINGERPRINT) != err.actual:
        LOGGER.warning(
            "The gateway at %s presents a certificate Home Assistant does not trust, so nothing is"
            " sent to it. If you replaced or reset the gateway, trust its new certificate in Settings"
            " > System > Repairs; if not, another device may be answering at its address",
            host,
        )
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={_ENTRY_ID: entry.entry_id, _FINGERPRINT: err.actual},
        is_fixable=err.actual is not None,  # the client reports it; else nothing to trust
        severity=ir.IssueSeverity.ERROR,
        translation_key="certificate_changed",
        translation_placeholders={
            "host": host,
            "expected": readable_fingerprint(err.expected),
            "actual": readable_fingerprint(err.actual or ""),
        },
    )


@callback
def async_certificate_trusted(hass: HomeAssistant, entry_id: str) -> None:
    """The gateway presented the trusted certificate (again), or the entry is gone."""
    ir.async_delete_issue(hass, DOMAIN, f"certificate_changed_{entry_id}")


class EntryIssueFlow(ConfirmRepairFlow):
    """Trust a gateway's new certificate (or close the dialog), or acknowledge a restricted API."""

    def __init__(self, entry_id: str, fingerprint: str | None) -> None:
        """The entry, and the fingerprint to trust (``None``: an acknowledgement)."""
        self._entry_id, self._fingerprint = entry_id, fingerprint

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Show the issue's text; on submit, trust the certificate and reload, or remember it."""
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if self._fingerprint is not None and (issue is None or entry is None):
            # The trusted gateway answered again while the dialog was open, or the entry is gone.
            return self.async_abort(reason="resolved")
        if user_input is not None and entry is not None:
            if self._fingerprint is None:
                data = {**entry.data, CONF_RESTRICTED_API_ACKNOWLEDGED: True}
            else:
                data = {**entry.data, CONF_CERTIFICATE_FINGERPRINT: self._fingerprint}
            self.hass.config_entries.async_update_entry(entry, data=data)
            if self._fingerprint is not None:
                self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a fixable issue: a certificate to trust, or a restricted API to read."""
    assert data is not None
    fingerprint = data.get(_FINGERPRINT)
    return EntryIssueFlow(str(data[_ENTRY_ID]), str(fingerprint) if fingerprint else None)
