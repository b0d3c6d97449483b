"""The async client of a Tesla Backup Gateway's local API.

The client owns the gateway session and is careful with it: it logs in only
when it has no session, logs in again at most once for a request whose session
the gateway dropped (concurrent requests share that login),
and after an HTTP 429 sends nothing at all until the cooldown has passed,
because repeated logins are how owners get locked out of their gateway. For
the same reason a failed login (rejected, an error status, no usable token, a
timeout) is not repeated at once: the next one waits 30 s, then 60 s, doubling
up to 30 minutes, until a login succeeds. Callers that were waiting for a
login share its outcome, failure included, instead of each sending their own.

It keeps the session token and cookies itself instead of trusting the
``aiohttp`` cookie jar: the session may be shared with other code, and the jar
refuses cookies from bare IP addresses, which is how most gateways are reached.

Every answer is treated as possibly hostile (anyone on the LAN can answer in
the gateway's place while its self-signed certificate is not pinned): no
answer is read, or inflated, beyond ``MAX_RESPONSE_BYTES``, nor decoded when
it holds more than ``MAX_JSON_CONTAINERS`` JSON objects and arrays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import json
import logging
import re
import ssl
import time
from typing import Any, Final
import zlib

import aiohttp
from multidict import CIMultiDictProxy

from .certificate import CertificateCheck, fingerprint_bytes
from .exceptions import (
    PowerwallAuthenticationError,
    PowerwallBusyError,
    PowerwallCertificateError,
    PowerwallConnectionError,
    PowerwallError,
    PowerwallInvalidResponseError,
    PowerwallLoginBackoffError,
    PowerwallNotGatewayError,
    PowerwallRateLimitError,
    PowerwallTimeoutError,
    PowerwallUnsupportedError,
)
from .host import normalize_host
from .models import GatewayInfo, GridStatusInfo, Powerwalls, PowerwallStatus, parse_status

_LOGGER = logging.getLogger(__name__)

PATH_LOGIN: Final = "/api/login/Basic"
PATH_GATEWAY_INFO: Final = "/api/status"
PATH_STATUS: Final = "/api/powerwalls/status"
PATH_POWERWALLS: Final = "/api/powerwalls"
PATH_GRID_STATUS: Final = "/api/system_status/grid_status"

SESSION_TOKEN: Final = "token"  # noqa: S105 - a JSON key, not a secret
SESSION_COOKIES: Final = ("AuthCookie", "UserRecord")

_AUTH_FAILED: Final = frozenset({401, 403})
_LOGIN_REJECTED: Final = frozenset({400, 401, 403})
_BUSY: Final = frozenset({409, 502, 503})
# The body of Go's net/http 404, as a gateway's restricted local API answers it.
GO_NOT_FOUND: Final = b"404 page not found"
# A Retry-After longer than this is not believed: an hour is already a long outage.
_MAX_RETRY_AFTER: Final = 3600.0
# How long nothing is sent after a 429 without Retry-After: after a login, and after any other request.
LOGIN_RATE_LIMIT_COOLDOWN: Final = 300.0
RATE_LIMIT_COOLDOWN: Final = 60.0
_QUOTE_LENGTH: Final = 80

# The largest answer read, after decompression. A 12-battery /api/powerwalls is
# about 60 KB; anything this big is a broken or hostile server, and reading it
# would cost a small Home Assistant host its memory.
MAX_RESPONSE_BYTES: Final = 4 * 1024 * 1024
_READ_CHUNK: Final = 64 * 1024
# The most JSON objects and arrays decoded from one answer. Decoding holds the
# event loop, and 4 MB of empty objects would hold it for a few hundred ms; the
# largest /api/powerwalls within the parser's bounds has about 13,000.
MAX_JSON_CONTAINERS: Final = 50_000
# Content-Encoding values inflated here (with a bound); none is asked for.
_ZLIB_ENCODINGS: Final = frozenset({"gzip", "x-gzip", "deflate"})

# OpenSSL's reasons for a handshake answered by something that does not speak TLS.
_NOT_TLS_REASONS: Final = frozenset({"WRONG_VERSION_NUMBER", "HTTP_REQUEST"})

# Token and cookie values go into headers verbatim: printable ASCII without
# space, comma or semicolon, so a stored value can never inject a header.
_HEADER_SAFE = re.compile(r"[!-+\--:<-~]+")


class PowerwallClient:
    """Talk to one gateway over HTTPS, keeping one session and honouring its rate limits."""

    def __init__(
        self,
        host: str,
        password: str,
        *,
        session: aiohttp.ClientSession,
        email: str = "",
        request_timeout: float = 10.0,
        fingerprint: str | None = None,
        login_backoff: tuple[float, float] = (30.0, 1800.0),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prepare a client; nothing is sent until the first call.

        ``fingerprint`` pins the gateway's certificate (SHA-256 hex, colons
        allowed); without it any certificate is accepted, since gateways only
        have self-signed ones. ``login_backoff`` is the wait after a first failed
        login and the longest wait, doubling in between. ``ValueError`` for a bad
        host or fingerprint.
        """
        self.host = normalize_host(host)
        self.base_url = f"https://{self.host}"
        self.login_count = 0
        # The last decoded answer of each endpoint read, for a diagnostics download.
        # Login answers hold secrets and are never kept.
        self.last_payloads: dict[str, dict[str, Any]] = {}
        self._password = password
        self._email = email
        self._http = session
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._monotonic = monotonic
        self._certificate = CertificateCheck(fingerprint_bytes(fingerprint))
        self._session: _Session | None = None
        self._generation = 0
        self._login_lock = asyncio.Lock()
        self._blocked_until: float | None = None
        self._login_backoff_first, self._login_backoff_max = login_backoff
        self._login_failures = 0
        self._login_blocked_until: float | None = None
        self._login_error: PowerwallError | None = None
        self._logins_ended = 0
        # The session generation a failed login was meant to replace: callers
        # holding that session share the failure instead of logging in again.
        self._failed_after = 0

    def __repr__(self) -> str:
        """Name the gateway, never the credentials."""
        return f"{type(self).__name__}({self.host!r})"

    @property
    def certificate_fingerprint(self) -> str | None:
        """SHA-256 (lower-case hex) of the certificate the gateway last presented."""
        return self._certificate.seen

    @property
    def rate_limited_for(self) -> float:
        """Seconds left of the rate-limit cooldown; ``0.0`` when requests may be sent."""
        if self._blocked_until is None:
            return 0.0
        return max(0.0, self._blocked_until - self._monotonic())

    def hold_off(self, seconds: float) -> None:
        """Send nothing for ``seconds``: a cooldown carried over from an earlier client."""
        if seconds > 0:
            self._blocked_until = max(self._blocked_until or 0.0, self._monotonic() + seconds)

    @property
    def login_backoff_for(self) -> float:
        """Seconds until a login may be sent again after a failed one; ``0.0`` when it may."""
        if self._login_blocked_until is None:
            return 0.0
        return max(0.0, self._login_blocked_until - self._monotonic())

    def hold_off_login(self, seconds: float) -> None:
        """Send no login for ``seconds``: a login backoff carried over from an earlier client."""
        if seconds > 0:
            self._login_blocked_until = max(
                self._login_blocked_until or 0.0, self._monotonic() + seconds
            )

    async def login(self) -> None:
        """Log in now, replacing any session (the config flow checks a password this way).

        Raises :class:`PowerwallLoginBackoffError` while a failed login's backoff runs.
        """
        async with self._login_lock:
            self._session = None
            await self._login()

    async def get_gateway_info(self) -> GatewayInfo:
        """Read ``/api/status``: identity and firmware, no login needed.

        Raises :class:`PowerwallNotGatewayError` when whatever answered is not a gateway,
        and :class:`PowerwallUnsupportedError` for Go's plain "404 page not found": the
        restricted local API of a Powerwall 3 or recent firmware, which has no
        ``/api/status`` (only a login tells whether it is a gateway).
        """
        answer = await self._send("GET", PATH_GATEWAY_INFO)
        if answer.status in _BUSY or answer.status == 429:
            self._raise_for_status(answer, PATH_GATEWAY_INFO, login=False)
        if answer.status == 404 and answer.body.strip() == GO_NOT_FOUND:
            raise PowerwallUnsupportedError(
                f"The device at {self.host} has no {PATH_GATEWAY_INFO} (a Powerwall 3, or a"
                " gateway whose firmware restricts the local API)"
            )
        if answer.status != 200:
            raise self._not_gateway(answer)
        try:
            data = self._decode(answer, PATH_GATEWAY_INFO)
        except PowerwallInvalidResponseError:
            raise self._not_gateway(answer) from None
        info = GatewayInfo.from_json(data)
        if info.din is None and info.version is None:
            raise self._not_gateway(answer)
        return info

    async def get_status(self) -> PowerwallStatus:
        """Read the gateway-wide flags of ``/api/powerwalls/status``."""
        return parse_status(await self._get(PATH_STATUS))

    async def get_powerwalls(self) -> Powerwalls:
        """Read every battery and the synchronizer from ``/api/powerwalls``."""
        return Powerwalls.from_json(await self._get(PATH_POWERWALLS))

    async def get_grid_status(self) -> GridStatusInfo:
        """Read whether the site is on grid right now (``/api/system_status/grid_status``)."""
        return GridStatusInfo.from_json(await self._get(PATH_GRID_STATUS))

    def export_session(self) -> dict[str, str] | None:
        """Return the current session (token and cookies) to store, or ``None``."""
        return self._session.export() if self._session is not None else None

    def restore_session(self, data: Mapping[str, str]) -> None:
        """Reuse a stored session, saving a login; malformed data is ignored."""
        raw: object = data
        if not isinstance(raw, Mapping):
            return
        token, cookies = _session_values(raw)
        if token is None and not cookies:
            return
        self._session = self._new_session(token, cookies)

    async def _get(self, path: str) -> Any:
        """GET an authenticated endpoint, re-logging in once if the session was dropped."""
        session = await self._current_session()
        answer = await self._send("GET", path, headers=session.headers)
        if answer.status in _AUTH_FAILED:
            _LOGGER.debug(
                "Session refused by %s (HTTP %s); logging in again", self.host, answer.status
            )
            session = await self._replace_session(session)
            answer = await self._send("GET", path, headers=session.headers)
            if answer.status in _AUTH_FAILED:
                self._forget(session)
                raise PowerwallAuthenticationError(
                    f"The gateway at {self.host} refused a fresh session for {path}"
                    f" (HTTP {answer.status}); check the password"
                )
        self._raise_for_status(answer, path, login=False)
        return self._decode(answer, path)

    async def _current_session(self) -> _Session:
        if (session := self._session) is not None:
            return session
        logins = self._logins_ended
        async with self._login_lock:
            if self._session is not None:
                return self._session
            self._raise_if_a_login_failed_meanwhile(logins)
            return await self._login()

    async def _replace_session(self, stale: _Session) -> _Session:
        """Log in again, unless another caller already replaced ``stale`` (or failed to)."""
        async with self._login_lock:
            current = self._session
            if current is not None and current.generation != stale.generation:
                return current
            if self._login_error is not None and self._failed_after >= stale.generation:
                raise self._login_error
            self._session = None
            return await self._login()

    def _raise_if_a_login_failed_meanwhile(self, logins: int) -> None:
        """Share the failure of a login that ended while this caller waited for the lock."""
        if self._logins_ended != logins and self._login_error is not None:
            raise self._login_error

    def _forget(self, session: _Session) -> None:
        if self._session is not None and self._session.generation == session.generation:
            self._session = None

    def _new_session(self, token: str | None, cookies: tuple[tuple[str, str], ...]) -> _Session:
        self._generation += 1
        return _Session(token, cookies, self._generation)

    async def _login(self) -> _Session:
        """Send one login, unless a failed one is being backed off; the caller holds the lock."""
        self._raise_if_cooling_down()
        remaining = self.login_backoff_for
        if remaining > 0:
            reason = self._login_error
            raise PowerwallLoginBackoffError(
                f"The last login to the gateway at {self.host} failed"
                + (f" ({reason})" if reason else "")
                + f"; no login is sent for {remaining:.0f} s more",
                retry_after=remaining,
                reason=reason,
            )
        self.login_count += 1
        try:
            self._session = await self._send_login()
        except PowerwallError as err:
            self._logins_ended += 1
            self._failed_after = self._generation
            self._login_error = err
            if _is_failed_login(err):
                delay = min(
                    self._login_backoff_first * 2**self._login_failures, self._login_backoff_max
                )
                # Capped, so a gateway that fails for weeks cannot grow the exponent for ever.
                self._login_failures = min(self._login_failures + 1, 32)
                self._login_blocked_until = self._monotonic() + delay
            raise
        self._logins_ended += 1
        self._login_error = None
        self._login_failures = 0
        self._login_blocked_until = None
        _LOGGER.debug("Logged in to %s", self.host)
        return self._session

    async def _send_login(self) -> _Session:
        """Send the login request and return the session it opened."""
        answer = await self._send(
            "POST",
            PATH_LOGIN,
            json_body={
                "username": "customer",
                "email": self._email,
                "password": self._password,
                "force_sm_off": False,
            },
        )
        self._raise_for_status(answer, PATH_LOGIN, login=True)
        try:
            data = _loads(answer.body)
        except ValueError, RecursionError:
            data = None
        # The login answer holds secrets: describe it, never quote it.
        if not isinstance(data, dict):
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} answered the login with something other than a JSON object"
            )
        token, cookies = _session_values({**answer.cookies, SESSION_TOKEN: data.get(SESSION_TOKEN)})
        if token is None and not cookies:
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} accepted the login but sent no usable session token"
            )
        return self._new_session(token, cookies)

    def _raise_if_cooling_down(self) -> None:
        remaining = self.rate_limited_for
        if remaining > 0:
            raise PowerwallRateLimitError(
                f"The gateway at {self.host} is rate limiting; waiting {remaining:.0f} s more"
                " before asking again",
                retry_after=remaining,
            )
        self._blocked_until = None

    async def _send(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Mapping[str, object] | None = None,
    ) -> _Answer:
        """Send one request and read the whole answer; transport failures become our errors."""
        self._raise_if_cooling_down()
        try:
            async with self._http.request(
                method,
                self.base_url + path,
                # No compression is asked for, and aiohttp inflates nothing by itself:
                # _read_body inflates what a gateway compresses anyway, up to the cap.
                headers={
                    "Accept": "application/json",
                    "Accept-Encoding": "identity",
                    **(headers or {}),
                },
                json=json_body,
                ssl=self._certificate,
                timeout=self._timeout,
                allow_redirects=False,
                auto_decompress=False,
            ) as response:
                body = await self._read_body(response, path)
                _LOGGER.debug("%s %s%s -> HTTP %s", method, self.host, path, response.status)
                return _Answer(
                    status=response.status,
                    body=body,
                    headers=response.headers,
                    cookies={name: morsel.coded_value for name, morsel in response.cookies.items()},
                )
        except aiohttp.ServerFingerprintMismatch as err:
            expected, actual = err.expected.hex(), err.got.hex()
            raise PowerwallCertificateError(
                f"The certificate of {self.host} changed: expected SHA-256 {expected}, got {actual}",
                expected=expected,
                actual=actual,
            ) from err
        except TimeoutError as err:
            raise PowerwallTimeoutError(
                f"The gateway at {self.host} did not answer {path} within {self._timeout.total:g} s"
            ) from err
        except aiohttp.ClientResponseError as err:
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} sent a malformed HTTP answer to {path}: {err.message}"
            ) from err
        except (aiohttp.ClientError, OSError) as err:
            if _answered_without_tls(err):
                raise PowerwallNotGatewayError(
                    f"The server at {self.host} does not speak HTTPS (a plain-HTTP web server"
                    " answers like this): it is not a Tesla Backup Gateway"
                ) from err
            raise PowerwallConnectionError(
                f"Cannot reach the gateway at {self.host}: {_describe(err)}"
            ) from err

    async def _read_body(self, response: aiohttp.ClientResponse, path: str) -> bytes:
        """Read (and inflate) the body, refusing it once it exceeds ``MAX_RESPONSE_BYTES``.

        A declared ``Content-Length`` over the cap is refused before anything is
        read; otherwise reading stops at the first byte past the cap, so neither
        an endless answer nor a decompression bomb costs more than the cap.
        """
        if (response.content_length or 0) > MAX_RESPONSE_BYTES:
            raise self._too_large(path)
        encoding = response.headers.get(aiohttp.hdrs.CONTENT_ENCODING, "").strip().lower()
        if encoding in _ZLIB_ENCODINGS:
            # 32 + MAX_WBITS: a gzip or a zlib header, whichever the answer has.
            inflater = zlib.decompressobj(32 + zlib.MAX_WBITS)
        elif encoding in {"", "identity"}:
            inflater = None
        else:
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} compressed its answer to {path} as {encoding!r},"
                " which was not asked for"
            )
        body = bytearray()
        room = MAX_RESPONSE_BYTES + 1
        async for chunk in response.content.iter_chunked(_READ_CHUNK):
            pending = chunk
            while pending:
                if inflater is None:
                    piece, pending = pending[:room], b""
                else:
                    try:
                        # Inflates at most `room` bytes; the rest of the input waits.
                        piece = inflater.decompress(pending, room)
                    except zlib.error as err:
                        raise PowerwallInvalidResponseError(
                            f"The gateway at {self.host} sent a {encoding} answer to {path}"
                            f" that does not decompress: {err}"
                        ) from None
                    pending = inflater.unconsumed_tail
                body += piece
                room -= len(piece)
                if room <= 0:
                    raise self._too_large(path)
        if inflater is not None and not inflater.eof:
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} sent a {encoding} answer to {path} that ends early"
            )
        return bytes(body)

    def _too_large(self, path: str) -> PowerwallInvalidResponseError:
        return PowerwallInvalidResponseError(
            f"The gateway at {self.host} sent an answer larger than"
            f" {MAX_RESPONSE_BYTES // (1024 * 1024)} MB for {path}; it was not read"
        )

    def _raise_for_status(self, answer: _Answer, path: str, *, login: bool) -> None:
        """Turn any answer but 200 into the error that says what the gateway meant."""
        status = answer.status
        if status == 200:
            return
        detail = _gateway_message(answer.body)
        if login and status in _LOGIN_REJECTED:
            raise PowerwallAuthenticationError(
                f"The gateway rejected the password (HTTP {status}"
                + (f": {detail})" if detail else ")")
            )
        if status == 429:
            default = LOGIN_RATE_LIMIT_COOLDOWN if login else RATE_LIMIT_COOLDOWN
            retry_after = _retry_after(answer.headers) or default
            self._blocked_until = self._monotonic() + retry_after
            raise PowerwallRateLimitError(
                f"The gateway at {self.host} is rate limiting {path}"
                f" ({detail or 'HTTP 429'}); nothing is sent for {retry_after:.0f} s",
                retry_after=retry_after,
            )
        if status in _BUSY:
            raise PowerwallBusyError(
                f"The gateway's site controller is busy or stopped (HTTP {status})"
                + (f": {detail}" if detail else ""),
                status=status,
            )
        if status == 404:
            raise PowerwallUnsupportedError(
                f"The device at {self.host} has no {path} (a Powerwall 3, or a gateway whose"
                " firmware restricts the local API)"
            )
        # A login answer may echo the credentials: give the gateway's message, never the body.
        shown = detail if login else _quote(answer.body)
        raise PowerwallInvalidResponseError(
            f"The gateway at {self.host} answered {path} with HTTP {status}"
            + (f": {shown}" if shown else "")
        )

    def _not_gateway(self, answer: _Answer) -> PowerwallNotGatewayError:
        return PowerwallNotGatewayError(
            f"The server at {self.host} answered, but it is not a Tesla Backup Gateway"
            f" (HTTP {answer.status} for {PATH_GATEWAY_INFO}, body {_quote(answer.body)})"
        )

    def _decode(self, answer: _Answer, path: str) -> dict[str, Any]:
        """Return the JSON object of a 200 answer; anything else is an invalid response."""
        try:
            data = _loads(answer.body)
        except _TooManyContainersError:
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} answered {path} with more than"
                f" {MAX_JSON_CONTAINERS} JSON objects and arrays; it was not decoded"
            ) from None
        except ValueError, RecursionError:
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} answered {path} with something that is not JSON:"
                f" {_quote(answer.body)}"
            ) from None
        if not isinstance(data, dict):
            raise PowerwallInvalidResponseError(
                f"The gateway at {self.host} answered {path} with a JSON {type(data).__name__}"
                f" instead of an object: {_quote(answer.body)}"
            )
        self.last_payloads[path] = data
        return data


@dataclass(frozen=True, slots=True)
class _Session:
    """A gateway session: the login token and cookies, sent on every request."""

    token: str | None
    cookies: tuple[tuple[str, str], ...]
    generation: int

    @property
    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies)
        return headers

    def export(self) -> dict[str, str]:
        data = dict(self.cookies)
        if self.token:
            data[SESSION_TOKEN] = self.token
        return data


@dataclass(frozen=True, slots=True)
class _Answer:
    """What the gateway answered, read in full while the connection was open."""

    status: int
    body: bytes
    headers: CIMultiDictProxy[str]
    cookies: dict[str, str]


def _session_values(data: Mapping[str, object]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """Pick the token and cookies of ``data`` that are safe to send; drop the rest."""
    token = data.get(SESSION_TOKEN)
    safe_token = token if isinstance(token, str) and _HEADER_SAFE.fullmatch(token) else None
    cookies = tuple(
        (name, value)
        for name in SESSION_COOKIES
        if isinstance(value := data.get(name), str) and _HEADER_SAFE.fullmatch(value)
    )
    return safe_token, cookies


class _TooManyContainersError(ValueError):
    """The body holds more JSON objects and arrays than are decoded."""


def _loads(body: bytes) -> Any:
    """Decode JSON, refusing a body with more than ``MAX_JSON_CONTAINERS`` containers first.

    Counting is a fast scan of the bytes; braces inside strings count too, which
    only refuses sooner.
    """
    if body.count(b"{") + body.count(b"[") > MAX_JSON_CONTAINERS:
        raise _TooManyContainersError
    return json.loads(body)


def _quote(body: bytes) -> str:
    """Quote the start of a body, for an error message a person can act on."""
    return repr(body[:_QUOTE_LENGTH].decode("utf-8", errors="replace"))


def _gateway_message(body: bytes) -> str | None:
    """Return the ``message`` and ``error`` of a gateway's JSON error body, if any."""
    try:
        data = _loads(body)
    except ValueError, RecursionError:
        return None
    if not isinstance(data, dict):
        return None
    texts = [
        text.strip()
        for key in ("message", "error")
        if isinstance(text := data.get(key), str) and text.strip()
    ]
    if not texts:
        return None
    if len(texts) == 1 or texts[0] == texts[1]:
        return texts[0]
    return f"{texts[0]} ({texts[1]})"


def _retry_after(headers: CIMultiDictProxy[str]) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or HTTP date), if present and sane."""
    raw = headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdecimal():
        seconds = float(raw)
    else:
        try:
            when = parsedate_to_datetime(raw)
        except TypeError, ValueError, IndexError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds <= 0:
        return None
    return min(seconds, _MAX_RETRY_AFTER)


def _is_failed_login(err: PowerwallError) -> bool:
    """Whether a login error is one to back off from.

    A 429 has its own cooldown. A refused or reset connection never reached the
    gateway's login, and backing off would only delay recovery after an outage;
    a timeout may have reached it, so it counts.
    """
    if isinstance(err, PowerwallRateLimitError):
        return False
    return not isinstance(err, PowerwallConnectionError) or isinstance(err, PowerwallTimeoutError)


def _answered_without_tls(err: BaseException) -> bool:
    """Whether the TLS handshake failed because the server answered in something else.

    OpenSSL names it ``WRONG_VERSION_NUMBER`` when the first bytes back are not
    a TLS record (``HTTP/1.1 400 ...`` from a plain-HTTP server); a gateway
    always speaks TLS. A TLS alert, a refused or reset connection are not this.
    """
    # aiohttp's connector errors carry the ssl.SSLError (whose reason says it) inside.
    cause = err.os_error if isinstance(err, aiohttp.ClientConnectorError) else err
    return isinstance(cause, ssl.SSLError) and getattr(cause, "reason", None) in _NOT_TLS_REASONS


def _describe(err: BaseException) -> str:
    """Give a short reason for a transport failure, without a traceback."""
    if isinstance(err, aiohttp.ClientConnectorError):
        return str(err.os_error.strerror or err.os_error) if err.os_error else str(err)
    if isinstance(err, aiohttp.ServerDisconnectedError):
        return "the connection was closed before an answer arrived"
    return str(err) or type(err).__name__
