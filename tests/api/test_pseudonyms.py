"""The diagnostics' pseudonyms by themselves: every spelling of a value, and nothing around it."""

from __future__ import annotations

import pytest

from custom_components.powerwall_gateway.api.pseudonyms import REDACTED, SERIAL, Pseudonyms


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
