"""Whatever a person types into the forms, the flow answers with a form, an entry or an abort."""

from __future__ import annotations

from unittest.mock import MagicMock

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_EMAIL, CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.powerwall_gateway.const import DOMAIN

FORM_ERRORS = {"invalid_host", "rate_limited"}
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300
) | st.sampled_from(["", " ", "https://", "[::1]", "[fe80::1%eth0]:443", "a" * 300, "1.2.3.4:0"])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(host=TEXT, password=TEXT, email=TEXT)
async def test_user_form_takes_anything_a_person_types(
    hass: HomeAssistant, mock_client: MagicMock, host: str, password: str, email: str
) -> None:
    """No input makes the flow crash: a form with an error, an entry, or "already set up"."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_USER},
        data={CONF_HOST: host, CONF_PASSWORD: password, CONF_EMAIL: email},
    )
    if result["type"] is FlowResultType.FORM:
        assert set(result["errors"].values()) <= FORM_ERRORS
        if result["errors"].get(CONF_HOST) == "invalid_host":
            # The message is translated whole: no English reason from the client inside.
            assert not (result["description_placeholders"] or {}).get("error")
        return
    if result["type"] is FlowResultType.CREATE_ENTRY:
        assert result["data"][CONF_PASSWORD] == password
        return
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
