"""The diagnostics' pseudonyms without Home Assistant: which values, numbered how, in every spelling."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.powerwall_gateway.api.pseudonyms import (
    MAX_DEPTH,
    REDACTED,
    SERIAL,
    TOO_DEEP,
    Pseudonyms,
    host_name,
    pseudonyms_for,
)


def redacting(*secrets: str) -> Pseudonyms:
    pseudonyms = Pseudonyms()
    for secret in secrets:
        pseudonyms.redact(secret)
    return pseudonyms


@pytest.mark.parametrize(
    ("secret", "text", "expected"),
    [
        # Lower-cased, İ becomes two characters: the text quoting the original must still match.
        ("İstanbul2024", "login with İstanbul2024: refused", "login with **REDACTED**: refused"),
        ("İstanbul2024", "LOGIN WITH İSTANBUL2024: REFUSED", "LOGIN WITH **REDACTED**: REFUSED"),
        ("İstanbul2024", "login with i̇stanbul2024: refused", "login with **REDACTED**: refused"),
        # Upper-cased or case-folded, ß becomes SS / ss.
        ("Straße99", "login with Straße99 refused", "login with **REDACTED** refused"),
        ("Straße99", "LOGIN WITH STRASSE99 REFUSED", "LOGIN WITH **REDACTED** REFUSED"),
        ("Straße99", "login with strasse99 refused", "login with **REDACTED** refused"),
        ("Straße99", "login with Strasse99 refused", "login with **REDACTED** refused"),
        ("Straße99", "LOGIN WITH STRAẞE99 REFUSED", "LOGIN WITH **REDACTED** REFUSED"),
        # What surrounds it is left exactly as it was, in any script.
        ("Straße99", "Größe: Straße99, İzmir ǅ ß", "Größe: **REDACTED**, İzmir ǅ ß"),
        ("İstanbul2024", "İzmirİstanbul2024İzmir", "İzmir**REDACTED**İzmir"),
    ],
)
def test_secret_redacted_in_every_case_form_inside_texts(
    secret: str, text: str, expected: str
) -> None:
    assert redacting(secret).replace(text) == expected


@pytest.mark.parametrize(
    ("secret", "value"),
    [
        ("İstanbul2024", "İstanbul2024"),
        ("İstanbul2024", "İSTANBUL2024"),
        ("İstanbul2024", "i̇stanbul2024"),
        ("Straße99", "STRASSE99"),
        ("Straße99", " strasse99 "),
        ("ẞ9", "ss9"),  # shorter than a substring match: replaced as a whole value only
    ],
)
def test_secret_redacted_as_a_whole_value_in_every_case_form(secret: str, value: str) -> None:
    assert redacting(secret).replace(value) == REDACTED


def test_identity_keeps_its_pseudonym_in_every_case_form() -> None:
    """A serial quoted upper-cased (ß as SS) is that battery, not just a secret."""
    pseudonyms = Pseudonyms()
    pseudonyms.add("tgß1234", SERIAL)
    assert pseudonyms.replace("on TGSS1234 now") == "on **SERIAL_1** now"
    assert pseudonyms.replace("on tgß1234 now") == "on **SERIAL_1** now"


def test_text_without_secrets_is_unchanged() -> None:
    text = "Größe İzmir STRASSE strasse 99 Powerwall firmware"
    assert redacting("Straße99", "İstanbul2024").replace(text) == text


def hosts(*values: str) -> Pseudonyms:
    pseudonyms = Pseudonyms()
    for value in values:
        pseudonyms.add_host(value)
    return pseudonyms


@pytest.mark.parametrize(
    ("host", "text", "expected"),
    [
        ("192.168.1.50", "192.168.1.50", "**HOST**"),
        ("192.168.1.50", "https://192.168.1.50/", "https://**HOST**/"),
        (
            "192.168.1.50",
            "Cannot connect to host 192.168.1.50:443 ssl:default",
            "Cannot connect to host **HOST**:443 ssl:default",
        ),
        # Another address that starts like it is another address.
        ("192.168.1.5", "192.168.1.50 and 192.168.1.5.", "192.168.1.50 and **HOST**."),
        ("gw.lan:8443", "https://gw.lan:8443/api", "https://**HOST**/api"),
        ("gw.lan:8443", "gw.lan refused", "**HOST** refused"),
        ("[fe80::1]:8443", "https://[fe80::1]:8443/", "https://**HOST**/"),
        ("[fe80::1]:8443", "[fe80::1] refused", "**HOST** refused"),
        # A host name that is a word: the gateway's own texts keep the word.
        ("powerwall", "Powerwall firmware", "Powerwall firmware"),
        ("powerwall", "/api/powerwalls", "/api/powerwalls"),
        ("powerwall", "connect to powerwall:443", "connect to **HOST**:443"),
        ("powerwall", "my-powerwall", "my-powerwall"),
        # The unique id of a gateway without DIN or batteries is its host, upper-cased.
        ("gw.lan", "GW.LAN", "**HOST**"),
    ],
)
def test_host_pseudonymised_where_it_stands_whole(host: str, text: str, expected: str) -> None:
    assert hosts(host).replace(text) == expected


@pytest.mark.parametrize(
    ("host", "text", "expected"),
    [
        # A short IPv6 host, as stored and as an older entry may hold it, in every spelling.
        (
            "[::1]",
            "Cannot connect to host ::1:443 ssl:default",
            "Cannot connect to host **HOST**:443 ssl:default",
        ),
        (
            "[::1]",
            "Connect call failed ('::1', 443, 0, 0)",
            "Connect call failed ('**HOST**', 443, 0, 0)",
        ),
        ("::1", "https://[::1]/api", "https://**HOST**/api"),
        ("[::1]:8443", "0:0:0:0:0:0:0:1 refused", "**HOST** refused"),
        (
            "[::1]",
            "0000:0000:0000:0000:0000:0000:0000:0001 refused",
            "**HOST** refused",
        ),
        ("[::1]", "::10 and fe80::1 are others", "::10 and fe80::1 are others"),
        # An address or a dotted name in another letter case is the same host.
        ("[fe80::ab:cd]", "FE80::AB:CD refused", "**HOST** refused"),
        ("[fe80::ab:cd]", "[FE80:0:0:0:0:0:AB:CD]:443", "**HOST**:443"),
        ("gw.lan", "Cannot connect to host GW.Lan:443", "Cannot connect to host **HOST**:443"),
        ("gw.lan:8443", "Gw.LAN:8443 refused", "**HOST** refused"),
        # A one-word name only in the spellings the integration writes: the gateway's own words stay.
        ("powerwall", "POWERWALL:443 refused", "**HOST**:443 refused"),
        ("powerwall", "Powerwall", "Powerwall"),
    ],
)
def test_host_pseudonymised_in_every_spelling(host: str, text: str, expected: str) -> None:
    assert hosts(host).replace(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Connect call failed ('192.168.1.50', 443)",
            "Connect call failed ('**HOST**', 443)",
        ),
        ("[FD00::1:50]:443 refused", "**HOST**:443 refused"),
        ("fd00:0:0:0:0:0:1:50 refused", "**HOST** refused"),
        ("192.168.1.500 is not it", "192.168.1.500 is not it"),
    ],
)
def test_addresses_a_host_name_resolves_to_are_the_host(text: str, expected: str) -> None:
    pseudonyms = Pseudonyms()
    pseudonyms.add_host("gw.lan", ["192.168.1.50", "fd00::1:50"])
    assert pseudonyms.replace(text) == expected
    assert pseudonyms.replace("192.168.1.50") == "**HOST**"


def test_certificate_fingerprints_numbered_in_either_spelling() -> None:
    pseudonyms = Pseudonyms()
    pseudonyms.add_certificate("ab" * 32)
    pseudonyms.add_certificate("AB" * 32)
    pseudonyms.add_certificate("cd" * 32)
    assert pseudonyms.replace("ab" * 32) == "**CERTIFICATE**"
    assert pseudonyms.replace(f"expected {':'.join(['AB'] * 32)}") == "expected **CERTIFICATE**"
    assert pseudonyms.replace(f"got {'cd' * 32}") == "got **CERTIFICATE_2**"


GATEWAY_DIN = "1232100-00-E--TG123456789A4M"
TRUSTED = "ab" * 32


def anonymize(download: dict[str, Any], **entry: Any) -> Any:
    """``download`` as the diagnostics show it, for an entry added with ``entry``'s values."""
    given: dict[str, Any] = {
        "host": "gw.lan",
        "addresses": (),
        "fingerprint": TRUSTED,
        "din": GATEWAY_DIN,
        "device_serials": (),
        "secrets": (),
        "mac": None,
    }
    return pseudonyms_for(download, **(given | entry)).anonymize(download)


def battery(serial: str) -> dict[str, Any]:
    return {"PackageSerialNumber": serial, "grid_state": "Grid_Compliant"}


def test_serials_numbered_as_the_battery_list_lists_them() -> None:
    """The battery list first, in its order; then others in the download; then the registry's."""
    download = {
        "entry": {"serial_number": "TG000000000C3"},
        "payloads": {"/api/powerwalls": {"powerwalls": [battery("TGB2"), battery("TGA1")]}},
        "reason": "no answer from tg000000000d4",
    }
    shown = anonymize(download, device_serials=[None, "TG000000000D4", "TGA1"])
    assert shown["entry"] == {"serial_number": "**SERIAL_3**"}
    batteries = shown["payloads"]["/api/powerwalls"]["powerwalls"]
    assert [b["PackageSerialNumber"] for b in batteries] == ["**SERIAL_1**", "**SERIAL_2**"]
    assert shown["reason"] == "no answer from **SERIAL_4**"


def test_din_and_its_gateway_serial_have_pseudonyms_of_their_own() -> None:
    """The entry's DIN first, another DIN next; the serial inside a DIN also alone, in any case."""
    download = {
        "payloads": {
            "/api/status": {"din": GATEWAY_DIN},
            "/api/powerwalls": {
                "gateway_din": "1152100-13-J--TG000000000X9",
                "error": f"no phase on {GATEWAY_DIN.lower()}",
                "message": "Synchronizer of tg123456789a4m not reachable",
            },
        }
    }
    shown = anonymize(download)["payloads"]
    assert shown["/api/status"] == {"din": "**DIN**"}
    assert shown["/api/powerwalls"] == {
        "gateway_din": "**DIN_2**",
        "error": "no phase on **DIN**",
        "message": "Synchronizer of **GATEWAY_SERIAL** not reachable",
    }


def test_the_trusted_certificate_is_the_first_whatever_the_download_lists_first() -> None:
    download = {"client": {"certificate_fingerprint": "cd" * 32}, "entry": {"data": {}}}
    shown = anonymize(download)
    assert shown["client"] == {"certificate_fingerprint": "**CERTIFICATE_2**"}
    assert anonymize(download, fingerprint=None)["client"] == {
        "certificate_fingerprint": "**CERTIFICATE**"
    }


def test_secrets_redacted_under_their_keys_and_inside_texts() -> None:
    """Credentials, session, MAC, title and discovery keys by key (empty kept); secrets by value too."""
    download = {
        "entry": {
            "title": "My gateway",
            "discovery_keys": {"dhcp": ["aabbccddeeff"]},
            "data": {"Password": "Straße99", "email": "", "session": None, "MAC": "aa:bb"},
        },
        "token": {"nested": "anything"},
        "reason": "login as owner@example.com with STRASSE99 from AABBCCDDEEFF or AA:BB:CC:DD:EE:FF",
    }
    shown = anonymize(
        download, secrets=["Straße99", "owner@example.com", None], mac="aa:bb:cc:dd:ee:ff"
    )
    assert shown["entry"] == {
        "title": REDACTED,
        "discovery_keys": REDACTED,
        "data": {"Password": REDACTED, "email": "", "session": None, "MAC": REDACTED},
    }
    assert shown["token"] == REDACTED
    assert shown["reason"] == (
        "login as **REDACTED** with **REDACTED** from **REDACTED** or **REDACTED**"
    )


@pytest.mark.parametrize(
    ("unique_id", "expected"),
    [
        (GATEWAY_DIN, "**DIN**"),
        ("GW.LAN", "**HOST**"),
        ("SERIALS-0123456789ABCDEF", REDACTED),
        (42, REDACTED),
        (None, None),
    ],
)
def test_identity_keys_show_a_pseudonym_else_redacted(unique_id: object, expected: object) -> None:
    """An id derived from the batteries or certificate, known by no pseudonym, is redacted."""
    shown = anonymize({"entry": {"unique_id": unique_id, "host": "gw.lan"}})
    assert shown["entry"] == {"unique_id": expected, "host": "**HOST**"}


def test_keys_naming_an_identity_are_replaced_and_other_values_kept() -> None:
    download = {"batteries": {"TGA1": (1, 2.5, True, None, "TGA1 ok")}, 7: "seven"}
    shown = anonymize(download, device_serials=["TGA1"])
    assert shown == {
        "batteries": {"**SERIAL_1**": [1, 2.5, True, None, "**SERIAL_1** ok"]},
        7: "seven",
    }


def nested(depth: int, leaf: object) -> object:
    value = leaf
    for _ in range(depth):
        value = {"inner": [value]}
    return value


def test_what_is_nested_deeper_than_a_real_answer_stands_as_too_deep() -> None:
    """5,000 levels download without exhausting the stack; the deep part is cut at MAX_DEPTH."""
    download = {"payloads": {"debug": nested(5000, {"serial_number": "TGDEEP1"})}, "grid": "ok"}
    shown = anonymize(download, din=None)
    value = shown["payloads"]["debug"]
    depth = 2  # the download, its payloads, then the debug answer
    while isinstance(value, dict | list):
        value = value["inner"] if isinstance(value, dict) else value[0]
        depth += 1
    assert value == TOO_DEEP
    assert depth == 32  # MAX_DEPTH: three times what a real answer nests
    assert shown["grid"] == "ok"


def test_identities_deeper_than_a_real_answer_get_no_number() -> None:
    download = {"deep": nested(MAX_DEPTH, {"serial_number": "TGDEEP1"}), "battery": battery("TGA1")}
    assert anonymize(download)["battery"]["PackageSerialNumber"] == "**SERIAL_1**"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("gw.lan", "gw.lan"),
        (" gw.lan:8443 ", "gw.lan"),
        ("localhost", "localhost"),
        ("192.168.1.50", None),
        ("192.168.1.50:8443", None),
        ("[fd00::1]:8443", None),
        ("::1", None),
        ("", None),
        (None, None),
    ],
)
def test_only_a_host_name_is_resolved(host: object, expected: str | None) -> None:
    assert host_name(host) == expected
