"""Pseudonymise a diagnostics download: no secret and no serial number, the device tree kept.

Serial numbers and the DIN become pseudonyms, the same one wherever a value
appears (``**SERIAL_1**``, ``**DIN**``, ``**GATEWAY_SERIAL**``): the owner's
device tree survives, and the download replays in the simulator as the owner's
gateway. The address the gateway was added with is ``**HOST**`` (a host name
can name its owner), in every spelling of it and with every address its name
resolves to, and the certificate fingerprint ``**CERTIFICATE**`` (one the
client met since, if different, ``**CERTIFICATE_2**``). Credentials, the
session and the MAC address are ``**REDACTED**``. All of these are replaced
under their keys and inside every text, in every spelling ``Pseudonyms``
knows, so an error message quoting the gateway leaks none of them; the title
and the discovery keys are redacted under their keys. Anything nested deeper
than a real answer ever is stands as ``**TOO_DEEP**``, so a hostile answer
cannot break the download.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
import ipaddress
import re
from typing import Any, Final

REDACTED: Final = "**REDACTED**"
# What stands in for anything nested deeper than MAX_DEPTH.
TOO_DEEP: Final = "**TOO_DEEP**"
# Real answers nest about ten levels; a hostile one may nest thousands, which
# neither a recursive walk nor a JSON encoder survives.
MAX_DEPTH: Final = 32
# A shorter identity or secret is replaced only where it is a whole string:
# replacing two characters inside every text would garble the download.
MIN_SUBSTRING_LENGTH: Final = 4

SERIAL: Final = "SERIAL"
DIN: Final = "DIN"
GATEWAY_SERIAL: Final = "GATEWAY_SERIAL"
HOST: Final = "HOST"
CERTIFICATE: Final = "CERTIFICATE"
# What may continue a host name or address: the host is replaced only where
# none of these is next to it, so 192.168.1.5 leaves 192.168.1.50 alone.
HOST_CHARACTER: Final = r"[\w-]"

# Keys whose values are plainly redacted, compared case-insensitively: the
# entry's credentials, session and MAC address, the client's session, a
# DHCP-discovered entry's discovery keys (they hold its MAC address) and the
# title (it holds the gateway's serial number).
TO_REDACT: Final = frozenset(
    key.casefold()
    for key in (
        "password",
        "email",
        "session",
        "mac",
        "token",
        "AuthCookie",
        "UserRecord",
        "discovery_keys",
        "title",
    )
)
# Keys whose values are identities, pseudonymised by kind; keys compared case-insensitively.
IDENTITY_KEYS: Final[Mapping[str, str]] = {
    "din": DIN,
    "gateway_din": DIN,
    "packageserialnumber": SERIAL,
    "package_serial_number": SERIAL,
    "serial_number": SERIAL,
    "host": HOST,
    "certificate_fingerprint": CERTIFICATE,
}
# The entry's unique id is the DIN, or for firmware without one an id derived
# from the batteries or the address: a pseudonym if it is a known identity, else redacted.
UNIQUE_ID: Final = "unique_id"


class Pseudonyms:
    """Placeholders for identities and secrets, looked up by value.

    The first value of a kind gets ``**DIN**`` / ``**GATEWAY_SERIAL**`` (then
    ``_2``, …); battery serials are numbered from ``**SERIAL_1**``. A value
    keeps the placeholder it was first given, whatever key it appears under.

    Secrets and identities match in any case: by their original spelling and
    by their lower-case, upper-case and case-folded forms, which may differ in
    length (``İ`` lower-cases to two characters, ``ß`` upper-cases to ``SS``),
    so each form is a pattern of its own and the text around a match is never
    touched. The host matches only where it stands whole, at any length. An
    address or a dotted name matches in any case (and an IPv6 address in any
    of its spellings); a one-word name only as typed, lower-cased (as stored)
    and upper-cased (as a unique id), so a host named ``powerwall`` does not
    rewrite the gateway's "Powerwall firmware".
    """

    def __init__(self) -> None:
        """Start knowing no value."""
        # By case-folded value; the spelling each was given, for its patterns.
        self._folded: dict[str, str] = {}
        self._spellings: dict[str, str] = {}
        # Host forms, by each spelling they match in; by case-folded form those
        # that match in any case.
        self._exact: dict[str, str] = {}
        self._any_case: dict[str, str] = {}
        self._count: Counter[str] = Counter()
        self._pattern: re.Pattern[str] | None = None
        # The placeholder of each of the pattern's groups, in order.
        self._groups: list[str] = []

    def known(self, value: str) -> str | None:
        """The placeholder of ``value`` as a whole, if it has one."""
        value = value.strip()
        folded = value.casefold()
        return self._folded.get(folded) or self._any_case.get(folded) or self._exact.get(value)

    def add(self, value: object, kind: str, *, exact: bool = False) -> str | None:
        """Give ``value`` the next placeholder of ``kind`` (SERIAL, DIN, …) and return it."""
        if not isinstance(value, str) or not (value := value.strip()):
            return None
        if (placeholder := self.known(value)) is None:
            self._count[kind] += 1
            number = self._count[kind]
            suffix = f"_{number}" if kind == SERIAL or number > 1 else ""
            placeholder = f"**{kind}{suffix}**"
            self.alias(value, placeholder, exact=exact)
        # A DIN is "<part number>--<gateway serial>"; the serial also appears alone.
        if kind == DIN and "--" in value:
            self.add(value.rpartition("--")[2], GATEWAY_SERIAL)
        return placeholder

    def alias(self, value: str, placeholder: str, *, exact: bool = False) -> None:
        """Another spelling of a value that stands as ``placeholder``."""
        if not (value := value.strip()) or self.known(value) is not None:
            return
        if exact and _any_case(value):
            self._any_case[value.casefold()] = placeholder
        elif exact:
            for spelling in (value, value.lower(), value.upper()):
                self._exact.setdefault(spelling, placeholder)
        else:
            self._folded[value.casefold()] = placeholder
            self._spellings[value] = placeholder
        self._pattern = None

    def add_host(self, host: object, addresses: Iterable[str] = ()) -> None:
        """The gateway's address as typed (``host``, ``host:port``, ``[v6]:port``) and its parts.

        ``addresses`` are those its name resolves to: error texts quote them.
        """
        if not isinstance(host, str) or (placeholder := self.add(host, HOST, exact=True)) is None:
            return
        forms = _host_forms(host.strip())
        for address in addresses:
            forms.extend(_address_forms(address))
        for form in forms:
            self.alias(form, placeholder, exact=True)

    def add_certificate(self, fingerprint: object) -> None:
        """A certificate's SHA-256 fingerprint, in hex and in the colon-separated spelling."""
        if not isinstance(fingerprint, str):
            return
        if (placeholder := self.add(fingerprint, CERTIFICATE)) is not None:
            digits = fingerprint.strip()
            pairs = ":".join(digits[i : i + 2] for i in range(0, len(digits), 2))
            self.alias(pairs, placeholder)

    def redact(self, value: object) -> None:
        """Replace ``value`` (a password, a token, …) with ``**REDACTED**`` wherever it appears."""
        if isinstance(value, str):
            self.alias(value, REDACTED)

    def replace(self, text: str) -> str:
        """``text`` with every known value in it replaced by its placeholder."""
        if (whole := self.known(text)) is not None:
            return whole
        if self._pattern is None:
            self._pattern = self._compile()
        return self._pattern.sub(lambda match: self._groups[(match.lastindex or 1) - 1], text)

    def _compile(self) -> re.Pattern[str]:
        forms: list[tuple[str, str, str]] = []  # (form, its pattern, placeholder)
        for spelling, placeholder in self._spellings.items():
            cases = {spelling, spelling.lower(), spelling.upper(), spelling.casefold()}
            forms.extend((form, f"(?i:{re.escape(form)})", placeholder) for form in cases)
        forms = [form for form in forms if len(form[0]) >= MIN_SUBSTRING_LENGTH]
        # Host forms at any length: they match only where they stand whole.
        bound = HOST_CHARACTER
        forms.extend(
            (form, f"(?<!{bound}){re.escape(form)}(?!{bound})", placeholder)
            for form, placeholder in self._exact.items()
        )
        forms.extend(
            (form, f"(?<!{bound})(?i:{re.escape(form)})(?!{bound})", placeholder)
            for form, placeholder in self._any_case.items()
        )
        # Longest first: a DIN is replaced as a whole, not as its serial part.
        forms.sort(key=lambda form: len(form[0]), reverse=True)
        self._groups = [placeholder for _, _, placeholder in forms]
        return re.compile("|".join(f"({pattern})" for _, pattern, _ in forms) or "(?!)")

    def identity(self, value: object) -> object:
        """The value of an identity key: its placeholder, else redacted."""
        if value is None:
            return None
        if isinstance(value, str) and (replaced := self.replace(value)) != value:
            return replaced
        return REDACTED

    def anonymize(self, data: object) -> Any:
        """A copy of ``data`` with identities and secrets replaced, at most MAX_DEPTH deep.

        Iterative: a payload nested thousands deep must not exhaust the stack.
        """
        root: list[Any] = [None]
        stack: list[tuple[object, dict[Any, Any] | list[Any], Any, int]] = [(data, root, 0, 0)]
        while stack:
            value, parent, slot, depth = stack.pop()
            if isinstance(value, Mapping | list | tuple) and depth >= MAX_DEPTH:
                parent[slot] = TOO_DEEP
            elif isinstance(value, Mapping):
                copy: dict[Any, Any] = {}
                parent[slot] = copy
                for key, item in value.items():
                    name = self.replace(key) if isinstance(key, str) else key
                    folded = str(key).casefold()
                    if folded in TO_REDACT:
                        # As Home Assistant's own redaction: an empty value tells nothing was given.
                        copy[name] = item if item is None or item == "" else REDACTED
                    elif folded in IDENTITY_KEYS or folded == UNIQUE_ID:
                        copy[name] = self.identity(item)
                    else:
                        copy[name] = None
                        stack.append((item, copy, name, depth + 1))
            elif isinstance(value, list | tuple):
                items: list[Any] = [None] * len(value)
                parent[slot] = items
                stack.extend((item, items, index, depth + 1) for index, item in enumerate(value))
            elif isinstance(value, str):
                parent[slot] = self.replace(value)
            else:
                parent[slot] = value
        return root[0]


def pseudonyms_for(
    download: Mapping[str, Any],
    *,
    host: object,
    addresses: Iterable[str],
    fingerprint: object,
    din: str | None,
    device_serials: Iterable[object],
    secrets: Iterable[object],
    mac: object,
) -> Pseudonyms:
    """The pseudonyms of everything identifying in ``download``, and the entry's secrets.

    ``host``, ``fingerprint`` and ``din`` are those the entry was added with,
    ``addresses`` those its host name resolves to, ``device_serials`` those the
    device registry knows, ``secrets`` the credentials and sessions, ``mac``
    the MAC address (with or without its colons).

    The certificate the entry trusts comes first: one the client met since is
    ``_2``. Battery serials are numbered in the order ``/api/powerwalls`` lists
    them, then come any others in the download, then those only the device
    registry knows (all there is when the entry did not load).
    """
    pseudonyms = Pseudonyms()
    pseudonyms.add_host(host, addresses)
    pseudonyms.add_certificate(fingerprint)
    for key, value in _items(download):
        if IDENTITY_KEYS.get(key) == CERTIFICATE:
            pseudonyms.add_certificate(value)
    if din is not None:
        pseudonyms.add(din, DIN)
    for key, value in _items(download):
        if IDENTITY_KEYS.get(key) == DIN:
            pseudonyms.add(value, DIN)
    powerwalls = download.get("payloads", {}).get("/api/powerwalls")
    for key, value in _items([powerwalls, download]):
        if IDENTITY_KEYS.get(key) == SERIAL:
            pseudonyms.add(value, SERIAL)
    for serial in device_serials:
        pseudonyms.add(serial, SERIAL)
    for secret in secrets:
        pseudonyms.redact(secret)
    if isinstance(mac, str):
        pseudonyms.redact(mac)
        pseudonyms.redact(mac.replace(":", ""))
    return pseudonyms


def host_name(host: object) -> str | None:
    """The name in the address an entry was added with, to resolve; none for an IP address."""
    if not isinstance(host, str) or not (name := _bare_host(host.strip())) or _address_forms(name):
        return None
    return name


def _any_case(form: str) -> bool:
    """Whether a host form is an address or a dotted name, which no word of a text looks like."""
    return "." in form or ":" in form


def _bare_host(host: str) -> str:
    """``host`` without its port and brackets: a name or an IP address."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    if host.count(":") == 1:
        return host.rpartition(":")[0]
    return host


def _host_forms(host: str) -> list[str]:
    """``host`` as typed, without its port, and an address in each of its spellings."""
    return [host, _bare_host(host), *_address_forms(_bare_host(host))]


def _address_forms(address: str) -> list[str]:
    """An IP address as texts spell it; none for a name.

    IPv6 compressed (``::1``), expanded (``0:0:0:0:0:0:0:1``) and zero-padded,
    each also in brackets.
    """
    try:
        ip = ipaddress.ip_address(address.partition("%")[0])  # without an IPv6 zone
    except ValueError:
        return []
    if ip.version == 4:
        return [str(ip)]
    padded = ip.exploded
    expanded = ":".join(group.lstrip("0") or "0" for group in padded.split(":"))
    spellings = dict.fromkeys((ip.compressed, expanded, padded))
    return [*spellings, *(f"[{spelling}]" for spelling in spellings)]


def _items(data: object) -> Iterator[tuple[str, object]]:
    """Every ``(key, value)`` of the mappings in ``data`` down to MAX_DEPTH, without recursion."""
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth >= MAX_DEPTH:
            continue
        if isinstance(value, Mapping):
            for key, item in value.items():
                yield str(key).casefold(), item
            stack.extend((item, depth + 1) for item in reversed(list(value.values())))
        elif isinstance(value, list | tuple):
            stack.extend((item, depth + 1) for item in reversed(value))
