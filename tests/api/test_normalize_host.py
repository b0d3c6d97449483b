"""People paste hosts in many shapes; one gateway gets one spelling, or a clear error."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.powerwall_gateway.api import normalize_host


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("192.168.1.5", "192.168.1.5"),
        (" gw.local ", "gw.local"),
        ("GW.Local.", "gw.local"),
        ("gw.local:8443", "gw.local:8443"),
        ("gw.local:443", "gw.local"),
        ("teg-1234_a.lan", "teg-1234_a.lan"),
        ("[fe80::1]:443", "[fe80::1]"),
        ("[FE80:0::1]:8443", "[fe80::1]:8443"),
        ("fe80::1", "[fe80::1]"),
        ("2001:db8:0:0:0:0:0:1", "[2001:db8::1]"),
        ("https://1.2.3.4/", "1.2.3.4"),
        ("HTTPS://1.2.3.4:8443", "1.2.3.4:8443"),
        ("http://gw.local", "gw.local"),
        ("127.0.0.1:65535", "127.0.0.1:65535"),
    ],
)
def test_accepted_hosts(value: str, host: str) -> None:
    assert normalize_host(value) == host


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("https://", "empty"),
        ("gw.local/api/status", "without a path"),
        ("https://1.2.3.4/login", "without a path"),
        ("gw.local?x=1", "without a path"),
        ("user@gw.local", "without a path"),
        ("gw local", "contains a space"),
        ("gw.local:0", "port"),
        ("gw.local:65536", "port"),
        ("gw.local:http", "port"),
        ("gw.local:", "port"),
        ("gw.local:-1", "port"),
        ("[fe80::1]:99999", "port"),
        ("[fe80::1", "unclosed"),
        ("[fe80::1]x", "after the IPv6 address"),
        ("[not-v6]", "not a valid IPv6"),
        ("fe80::1::2", "not a valid IPv6"),
        ("fe80::1%eth0", "zone"),
        ("256.1.1.1", "not a valid IPv4"),
        ("1.2.3", "not a valid IPv4"),
        ("-gw.local", "not a valid host name"),
        ("gw..local", "not a valid host name"),
        ("gätewäy.local", "not a valid host name"),
        ("a" * 64 + ".local", "not a valid host name"),
    ],
)
def test_rejected_hosts(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_host(value)


_HOSTISH = st.text(alphabet=st.sampled_from("ab0:9.[]-_/ %é\t:"), max_size=40)


@given(value=st.one_of(st.text(max_size=300), _HOSTISH))
@settings(max_examples=500, deadline=None)
def test_any_text_is_a_host_or_a_clear_error(value: str) -> None:
    """Whatever a person types, the answer is a host or a ValueError with a message."""
    try:
        host = normalize_host(value)
    except ValueError as err:
        message = str(err)
    else:
        message = ""
    if message:
        return
    assert host == host.strip()
    assert not any(char in host for char in " /\t\n%")
    # One gateway, one spelling: normalising again changes nothing.
    assert normalize_host(host) == host
