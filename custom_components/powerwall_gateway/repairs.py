"""Repair issues of a gateway, and their fix flows (Home Assistant's repairs platform)."""

from __future__ import annotations

from collections import deque
from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api import PowerwallCertificateError, readable_fingerprint
from .connection import CONF_CERTIFICATE_FINGERPRINT
from .const import DOMAIN, LOGGER, REPEATED_RATE_LIMIT_COUNT, REPEATED_RATE_LIMIT_WINDOW

ISSUE_RATE_LIMITED = "rate_limited"
ISSUE_RESTRICTED_API = "restricted_api"
ISSUE_CERTIFICATE_CHANGED = "certificate_changed"
# In the entry's data once the person read what a restricted gateway lacks.
CONF_RESTRICTED_API_ACKNOWLEDGED = "restricted_api_acknowledged"
# What an issue hands its fix flow.
_ENTRY_ID = "entry_id"
_FINGERPRINT = "fingerprint"


class RateLimitIssue:
    """An issue when rate limits keep coming back (something else polls the gateway too).

    One rate limit is the gateway protecting itself; REPEATED_RATE_LIMIT_COUNT
    episodes within REPEATED_RATE_LIMIT_WINDOW raise the issue, and a full
    window without one drops it. An episode lasts until the gateway answers.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, host: str) -> None:
        """Track the episodes of one entry's gateway."""
        self._hass = hass
        self._issue_id = f"{ISSUE_RATE_LIMITED}_{entry_id}"
        self._host = host
        self._episodes: deque[float] = deque()
        self._limited = False

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
                translation_key=ISSUE_RATE_LIMITED,
                translation_placeholders={"host": self._host, "count": str(len(self._episodes))},
            )

    @callback
    def answered(self, now: float) -> None:
        """The gateway answered at ``now``."""
        self._limited = False
        if self._episodes and self._episodes[-1] < now - REPEATED_RATE_LIMIT_WINDOW.total_seconds():
            self._episodes.clear()
            self.remove()

    @callback
    def remove(self) -> None:
        """Drop the issue (with its entry; a new setup raises it again if still due)."""
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)


class RestrictedApiIssue:
    """Say once what a gateway with a restricted local API does not offer.

    The fix flow is an acknowledgement, remembered in the entry's data: once
    read, the issue is not raised again for that entry.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str, host: str) -> None:
        """The issue of one entry's gateway."""
        self._hass = hass
        self._entry_id = entry_id
        self._issue_id = f"{ISSUE_RESTRICTED_API}_{entry_id}"
        self._host = host

    @callback
    def create(self) -> None:
        """The gateway answered /api/powerwalls with "not found"."""
        entry = self._hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.data.get(CONF_RESTRICTED_API_ACKNOWLEDGED):
            return
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
            is_fixable=True,
            severity=ir.IssueSeverity.WARNING,  # the mildest Home Assistant has
            translation_key=ISSUE_RESTRICTED_API,
            translation_placeholders={"host": self._host},
            data={_ENTRY_ID: self._entry_id},
        )

    @callback
    def remove(self) -> None:
        """The endpoint answers again, or the entry is unloaded."""
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)


class RestrictedApiAcknowledgedFlow(ConfirmRepairFlow):
    """Show what the gateway lacks; on submit, remember that it was read."""

    def __init__(self, entry_id: str) -> None:
        """The entry that remembers the acknowledgement."""
        self._entry_id = entry_id

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """The text, then on submit the acknowledgement (the issue goes when the flow ends)."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if user_input is not None and entry is not None:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_RESTRICTED_API_ACKNOWLEDGED: True}
            )
        return await super().async_step_confirm(user_input)


def certificate_issue_id(entry_id: str) -> str:
    """The repair issue of one entry whose gateway presents an untrusted certificate."""
    return f"{ISSUE_CERTIFICATE_CHANGED}_{entry_id}"


@callback
def async_certificate_changed(
    hass: HomeAssistant, entry: ConfigEntry[Any], err: PowerwallCertificateError
) -> None:
    """The device at the entry's address presents another certificate than the trusted one.

    Nothing was sent to it. The issue shows both fingerprints and offers to
    trust the new one: replacing or resetting a gateway changes it too. The
    log says it once per certificate presented, however often it is met.
    """
    issue_id = certificate_issue_id(entry.entry_id)
    raised = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    if raised is None or (raised.data or {}).get(_FINGERPRINT) != err.actual:
        LOGGER.warning(
            "The gateway at %s presents a certificate Home Assistant does not trust, so nothing"
            " is sent to it. If you replaced or reset the gateway, trust its new certificate in"
            " Settings > System > Repairs; if not, another device may be answering at its address",
            entry.data[CONF_HOST],
        )
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        # The client always reports what it got; without it there is nothing to trust.
        is_fixable=err.actual is not None,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_CERTIFICATE_CHANGED,
        translation_placeholders={
            "host": entry.data[CONF_HOST],
            "expected": readable_fingerprint(err.expected),
            "actual": readable_fingerprint(err.actual or ""),
        },
        data={_ENTRY_ID: entry.entry_id, _FINGERPRINT: err.actual},
    )


@callback
def async_certificate_trusted(hass: HomeAssistant, entry_id: str) -> None:
    """The gateway presented the trusted certificate (again), or the entry is gone."""
    ir.async_delete_issue(hass, DOMAIN, certificate_issue_id(entry_id))


class CertificateChangedFlow(ConfirmRepairFlow):
    """Trust the certificate a gateway presents now, or keep refusing it (close the dialog)."""

    def __init__(self, entry_id: str, fingerprint: str) -> None:
        """The entry to update and the fingerprint to trust."""
        self._entry_id = entry_id
        self._fingerprint = fingerprint

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Show both fingerprints; on submit, trust the new one and reload the entry."""
        issue = ir.async_get(self.hass).async_get_issue(DOMAIN, self.issue_id)
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if issue is None or entry is None:
            # While the dialog was open, the trusted gateway answered again (trusting
            # the other certificate now would shut it out) or the entry was deleted.
            return self.async_abort(reason="resolved")
        if user_input is not None:
            self.hass.config_entries.async_update_entry(
                entry, data={**entry.data, CONF_CERTIFICATE_FINGERPRINT: self._fingerprint}
            )
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The fix flow of a fixable issue: a certificate to trust, or a restricted API to read."""
    assert data is not None
    if issue_id.startswith(ISSUE_RESTRICTED_API):
        return RestrictedApiAcknowledgedFlow(str(data[_ENTRY_ID]))
    return CertificateChangedFlow(str(data[_ENTRY_ID]), str(data[_FINGERPRINT]))
