"""The simulated Backup Gateway: an aiohttp HTTPS server and its Python API."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Mapping
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
import os
from pathlib import Path
import secrets
import ssl
import time
from types import TracebackType
from typing import Any, Literal, Self

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestHandler

from .control import CONTROL_TOKEN_HEADER, ControlApi
from .endpoints import DATA_ENDPOINTS, Endpoint
from .loopback import loopback_host
from .payloads import (
    FIRMWARE_VERSION,
    GATEWAY_DIN,
    Fleet,
    api_status_payload,
    check_battery_count,
    error_body,
    grid_status_payload,
    meters_aggregates_payload,
    powerwalls_payload,
    soe_payload,
    status_flags,
)
from .scenarios import (
    Context,
    Delay,
    Reply,
    Reset,
    Scenario,
    Truncate,
    View,
    make_scenario,
)
from .tls import Certificate, generate_certificate, load_certificate

DEFAULT_PASSWORD = "simulator-password"  # noqa: S105 - the documented test password
CHECKOUT = Path(__file__).resolve().parent.parent
"""The checkout the simulator runs from."""
REPLAY_DIR = CHECKOUT / "replay"
"""The one folder the control API may replay files from, besides files given at start."""
type CertificateChoice = Literal["first", "second"]
CERTIFICATE_CHOICES: tuple[CertificateChoice, ...] = ("first", "second")
"""The certificates a simulator can present: the one it started with, and one other."""
UP_TIME_AT_START = 2 * 86400.0
"""The simulated gateway has been running for two days when the simulator starts."""

BAD_CREDENTIALS = error_body(401, "bad credentials", "Login Error")
NO_ACCESS = error_body(
    401, "Unable to GET to resource", "User does not have adequate access rights"
)
RATE_LIMITED = error_body(429, "Api Limit reached for this endpoint", "API Limit Reached")
NOT_FOUND_TEXT = "404 page not found\n"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator received (control requests under ``/_sim/`` excluded)."""

    method: str
    path: str
    authenticated: bool
    """Whether the request carried a valid session."""
    status: int
    """The HTTP status answered; 0 when the connection was closed without an answer."""
    at: float
    """When it arrived, on the simulator's clock (:meth:`GatewaySimulator.now`)."""
    size: int = 0
    """Bytes of the answer's body (0 when nothing was answered): what a poll costs."""


@dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` accepted requests per endpoint in any ``window`` seconds."""

    requests: int
    window: float


DEFAULT_LOGIN_LIMIT = RateLimit(10, 300.0)
DEFAULT_ENDPOINT_LIMIT = RateLimit(60, 60.0)


class GatewaySimulator:
    """A Tesla Backup Gateway 2 answering over HTTPS on a loopback address.

    Time-based behaviour (sessions, rate-limit windows, scenario timelines)
    follows :meth:`now`, which :meth:`advance` moves forward instantly.
    """

    def __init__(
        self,
        password: str = DEFAULT_PASSWORD,
        *,
        batteries: int = 2,
        scenario: str = "normal",
        host: str = "127.0.0.1",
        port: int = 0,
        session_ttl: float = 86400.0,
        rate_limit: bool = True,
        retry_after: float | Literal["auto"] | None = None,
        slow_delay: float = 30.0,
        powerwalls_file: str | None = None,
        status_file: str | None = None,
        diagnostics_file: str | None = None,
        scenario_params: Mapping[str, Any] | None = None,
        login_limit: RateLimit = DEFAULT_LOGIN_LIMIT,
        endpoint_limit: RateLimit = DEFAULT_ENDPOINT_LIMIT,
        unauthorized_status: int = 401,
        cert_file: str | None = None,
        key_file: str | None = None,
        second_cert_file: str | None = None,
        second_key_file: str | None = None,
        control_token: str | None = None,
        replay_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        """Prepare a simulator; nothing listens until :meth:`start`.

        ``powerwalls_file``/``status_file`` select the ``replay`` scenario,
        ``diagnostics_file`` the ``diagnostics`` one (not both).
        ``retry_after`` is the ``Retry-After`` header of 429 answers: seconds,
        ``"auto"`` (until the window frees a slot) or ``None`` (no header).
        ``control_token`` is the secret every control request must carry
        (random when not given); ``replay_dir`` the folder the control API may
        replay files from (default: ``replay/`` of the checkout).
        ``cert_file``/``key_file`` are the certificate served from the start
        (default: one made now), ``second_cert_file``/``second_key_file`` the
        one :meth:`use_certificate` swaps to (default: one made at the first swap).
        """
        check_battery_count(batteries)
        if unauthorized_status not in {401, 403}:
            raise ValueError("unauthorized_status must be 401 or 403")
        self._bind_host = loopback_host(host)
        self.requested_port = port
        self.password = password
        self.base_batteries = batteries
        self.session_ttl = session_ttl
        self.rate_limit = rate_limit
        self.retry_after = retry_after
        self.slow_delay = slow_delay
        self.login_limit = login_limit
        self.endpoint_limit = endpoint_limit
        self.unauthorized_status = unauthorized_status
        self._din = GATEWAY_DIN
        self.control_token = control_token or secrets.token_urlsafe(32)
        self.replay_dir = Path(replay_dir) if replay_dir is not None else REPLAY_DIR
        # Files the caller chose at start may be replayed again over the control API.
        self._start_files = frozenset(
            Path(name).resolve()
            for name in (powerwalls_file, status_file, diagnostics_file)
            if name
        )
        self._certificates = _certificates(cert_file, key_file, second_cert_file, second_key_file)
        self.certificate: Certificate = self._certificates["first"]
        self.fingerprint = self.certificate.fingerprint
        self._certificate_in_use: CertificateChoice = "first"
        self._ssl_context: ssl.SSLContext | None = None
        self._t0 = time.monotonic()
        self._offset = 0.0
        self._wall0 = datetime.now(UTC)
        self._fleet = Fleet.of(batteries)
        self._sessions: dict[str, float] = {}
        self._hits: dict[str, deque[float]] = {}
        self._requests: list[RecordedRequest] = []
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._stopping = asyncio.Event()
        params = dict(scenario_params or {})
        if diagnostics_file and (powerwalls_file or status_file):
            raise ValueError("replay a diagnostics download or payload files, not both")
        if powerwalls_file or status_file:
            scenario = "replay"
            params.update(powerwalls_file=powerwalls_file or "", status_file=status_file or "")
        if diagnostics_file:
            scenario = "diagnostics"
            params.update(diagnostics_file=diagnostics_file)
        self._scenario: Scenario = make_scenario("normal", {})
        self._scenario_start = 0.0
        self.set_scenario(scenario, **params)

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Start serving HTTPS."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        # Checked again right before binding, whatever happened since __init__.
        host = loopback_host(self._bind_host)
        self._stopping = asyncio.Event()
        runner = web.AppRunner(
            self._make_app(), handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        self._ssl_context = self.certificate.server_context()
        site = web.TCPSite(
            runner,
            host,
            self.requested_port,
            ssl_context=self._ssl_context,
            reuse_address=True,
        )
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving; answers being delayed by the ``slow`` scenario are sent at once."""
        self._stopping.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start, for ``async with GatewaySimulator() as sim``."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop."""
        await self.stop()

    @property
    def bind_host(self) -> str:
        """The loopback address listened on (read-only: it never becomes anything else)."""
        return self._bind_host

    @property
    def port(self) -> int:
        """The TCP port listened on (known once started)."""
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def host(self) -> str:
        """``host:port``, as a user would type it into the integration's form."""
        address = f"[{self.bind_host}]" if ":" in self.bind_host else self.bind_host
        return f"{address}:{self.port}"

    @property
    def url(self) -> str:
        """``https://host:port``."""
        return f"https://{self.host}"

    @property
    def control_headers(self) -> dict[str, str]:
        """The header a control request (``/_sim/...``) must carry."""
        return {CONTROL_TOKEN_HEADER: self.control_token}

    def replay_path(self, name: str) -> str:
        """Return the file a control request may replay as ``name``, or raise PermissionError.

        The control API reads only the files given at start and files inside
        :attr:`replay_dir` (a relative ``name`` is taken inside it). The error
        is the same whether the file exists or not, so nothing outside leaks.
        """
        if Path(name).resolve() in self._start_files:
            return str(Path(name).resolve())
        folder = self.replay_dir.resolve()
        candidate = (folder / name).resolve()
        if candidate.is_relative_to(folder) and candidate != folder:
            return str(candidate)
        shown = folder.relative_to(CHECKOUT) if folder.is_relative_to(CHECKOUT) else folder
        raise PermissionError(
            f"the control API replays only files given at start or inside {shown}/"
        )

    # -- certificate ---------------------------------------------------------------

    @property
    def certificate_in_use(self) -> CertificateChoice:
        """Which certificate is served: ``"first"`` (the one started with) or ``"second"``."""
        return self._certificate_in_use

    def use_certificate(self, which: str, *, answering: RequestHandler | None = None) -> None:
        """Present the ``"first"`` or the ``"second"`` certificate from now on.

        What a gateway that was reset or replaced at the same address does: new
        connections see the other certificate, and open ones are closed (a
        gateway that restarts drops them), so a client that pools connections
        meets the change at its next request. ``answering`` is the connection of
        a control request asking for the change: it is closed once its answer
        is sent. The second certificate stays the same for the simulator's lifetime.
        """
        if which not in CERTIFICATE_CHOICES:
            raise ValueError(f"the certificate is 'first' or 'second', not {which!r}")
        choice: CertificateChoice = "first" if which == "first" else "second"
        if choice not in self._certificates:
            self._certificates[choice] = generate_certificate()
        self._certificate_in_use = choice
        self.certificate = self._certificates[choice]
        self.fingerprint = self.certificate.fingerprint
        if self._ssl_context is not None:
            self.certificate.load_into(self._ssl_context)
        server = self._runner.server if self._runner is not None else None
        for connection in server.connections if server is not None else []:
            if connection is answering:
                connection.close()
            else:
                connection.force_close()

    # -- clock ---------------------------------------------------------------------

    def now(self) -> float:
        """Seconds on the simulator's clock: real time since creation plus :meth:`advance`."""
        return time.monotonic() - self._t0 + self._offset

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward instantly."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._offset += seconds

    def wall_time(self, at: float | None = None) -> datetime:
        """Return the wall-clock time at ``at`` (default: now) on the simulator's clock."""
        return self._wall0 + timedelta(seconds=self.now() if at is None else at)

    # -- scenarios and batteries ---------------------------------------------------

    @property
    def scenario(self) -> str:
        """The name of the current scenario."""
        return self._scenario.name

    @property
    def scenario_params(self) -> dict[str, Any]:
        """The current scenario's parameters, defaults included."""
        return dict(self._scenario.params)

    @property
    def scenario_elapsed(self) -> float:
        """Seconds since the current scenario started, on the simulator's clock."""
        return self.now() - self._scenario_start

    def set_scenario(self, name: str, **params: Any) -> None:
        """Switch to scenario ``name``; its timeline starts now.

        Every scenario also takes ``batteries=N``: start from N batteries
        numbered from 1 (battery_* scenarios then change that number's set).
        """
        batteries = params.pop("batteries", None)
        scenario = make_scenario(name, params)
        if batteries is not None:
            count = int(batteries)
            check_battery_count(count)
            self.base_batteries = count
            self._fleet.reset(count)
        scenario.activate(self._fleet, self.base_batteries, self._din)
        self._scenario = scenario
        self._scenario_start = self.now()

    def replay_diagnostics(self, download: str | os.PathLike[str] | Mapping[str, Any]) -> None:
        """Serve a diagnostics download of the integration (a file, or the JSON already loaded).

        Both Home Assistant's wrapped download and its bare ``data`` are
        accepted; see the ``diagnostics`` scenario.
        """
        if isinstance(download, Mapping):
            self.set_scenario("diagnostics", download=download)
        else:
            self.set_scenario("diagnostics", diagnostics_file=os.fspath(download))

    @property
    def serials(self) -> list[str]:
        """The serial numbers of the installed batteries."""
        return self._fleet.serials

    def add_battery(self) -> str:
        """Install a new battery; return its serial."""
        return self._fleet.add()

    def remove_battery(self, serial: str) -> None:
        """Take out a battery (KeyError if there is none with this serial)."""
        self._fleet.remove(serial)

    def replace_battery(self, serial: str) -> str:
        """Replace a battery by a new one in the same place; return the new serial."""
        return self._fleet.replace(serial)

    @property
    def din(self) -> str | None:
        """The gateway DIN reported now; ``None`` while the scenario reports none (``no_din``)."""
        return self._scenario.reported_din(self._din, self._context())

    @din.setter
    def din(self, din: str) -> None:
        """Be another gateway (another DIN), or one without a DIN (``""``)."""
        self._din = din

    def view(self) -> View:
        """Return what the gateway answers right now (payloads before any fault)."""
        context = self._context()
        din = self._scenario.reported_din(self._din, context)
        view = View(
            powerwalls=powerwalls_payload(self._fleet, din),
            grid_status=grid_status_payload(),
            api_status=api_status_payload(
                din=din,
                start=self._wall0 - timedelta(seconds=UP_TIME_AT_START),
                up_time=UP_TIME_AT_START + self.now(),
                version=FIRMWARE_VERSION,
            ),
            meters_aggregates=meters_aggregates_payload(self.wall_time()),
            soe=soe_payload(),
        )
        self._scenario.shape(view, context)
        if view.powerwalls_status is None:
            view.powerwalls_status = status_flags(view.powerwalls)
        return view

    def _context(self) -> Context:
        start = self._scenario_start
        return Context(
            t=self.now() - start,
            wall=lambda seconds: self.wall_time(start + seconds),
            slow_delay=self.slow_delay,
        )

    # -- sessions ------------------------------------------------------------------

    def set_password(self, password: str) -> None:
        """Change the gateway password (existing sessions stay valid)."""
        self.password = password

    def expire_sessions(self) -> int:
        """End every session, as the gateway does after about a day; return how many."""
        count = len(self._sessions)
        self._sessions.clear()
        return count

    @property
    def sessions(self) -> int:
        """The number of sessions currently valid."""
        now = self.now()
        return sum(1 for expiry in self._sessions.values() if expiry > now)

    def _session_of(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else request.cookies.get("AuthCookie")
        if not token:
            return None
        expiry = self._sessions.get(token)
        if expiry is None:
            return None
        if expiry <= self.now():
            del self._sessions[token]
            return None
        return token

    # -- request log ---------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        return list(self._requests)

    def count(
        self, path: str | None = None, *, method: str | None = None, status: int | None = None
    ) -> int:
        """Count recorded requests matching every filter given."""
        return sum(
            1
            for recorded in self._requests
            if (path is None or recorded.path == path)
            and (method is None or recorded.method == method.upper())
            and (status is None or recorded.status == status)
        )

    @property
    def logins(self) -> int:
        """The number of login attempts (``POST /api/login/Basic``), whatever their answer."""
        return self.count(Endpoint.LOGIN, method="POST")

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        self._requests.clear()

    # -- rate limiting ---------------------------------------------------------------

    def _throttle(self, endpoint: Endpoint) -> web.Response | None:
        """Return a 429 answer if ``endpoint`` is over its budget, else count this request."""
        if not self.rate_limit:
            return None
        limit = self.login_limit if endpoint is Endpoint.LOGIN else self.endpoint_limit
        now = self.now()
        hits = self._hits.setdefault(endpoint, deque())
        while hits and hits[0] <= now - limit.window:
            hits.popleft()
        if len(hits) < limit.requests:
            hits.append(now)
            return None
        headers = {}
        if self.retry_after == "auto":
            wait = hits[0] + limit.window - now if hits else limit.window
            headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        elif self.retry_after is not None:
            headers["Retry-After"] = str(int(self.retry_after))
        return web.json_response(RATE_LIMITED, status=429, headers=headers)

    # -- HTTP ------------------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        for endpoint in Endpoint:
            method = "POST" if endpoint is Endpoint.LOGIN else "GET"
            app.router.add_route(method, endpoint, self._gateway_handler(endpoint))
        control = ControlApi(self)
        control.register(app.router)
        app.router.add_route("*", "/{tail:.*}", _not_found)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith("/_sim/"):
            return await handler(request)
        at = self.now()
        authenticated = self._session_of(request) is not None
        status = size = 0
        try:
            response = await handler(request)
        except web.HTTPException as err:
            status = err.status
            raise
        else:
            if not request.get("reset"):
                status = response.status
                size = response.content_length or 0
            return response
        finally:
            self._requests.append(
                RecordedRequest(request.method, request.path, authenticated, status, at, size)
            )

    def _gateway_handler(self, endpoint: Endpoint) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._serve(endpoint, request)

        return handle

    async def _serve(self, endpoint: Endpoint, request: web.Request) -> web.StreamResponse:
        view = self.view()
        if (not view.local_api and endpoint is not Endpoint.STATUS) or endpoint in view.missing:
            return _not_found_response()
        throttled = self._throttle(endpoint)
        if throttled is not None:
            return throttled
        if endpoint.needs_session and self._session_of(request) is None:
            return web.json_response(
                {**NO_ACCESS, "code": self.unauthorized_status}, status=self.unauthorized_status
            )
        fault = self._scenario.fault(endpoint, self._context())
        if isinstance(fault, Reply):
            return web.Response(
                status=fault.status, text=fault.body, content_type=fault.content_type
            )
        if isinstance(fault, Reset):
            request["reset"] = True
            if request.transport is not None:
                request.transport.abort()
            return web.Response()
        if isinstance(fault, Delay):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.seconds)
            view = self.view()
        if endpoint is Endpoint.LOGIN:
            return await self._login(request)
        if endpoint is Endpoint.LOGOUT:
            return self._logout(request)
        body = {
            Endpoint.STATUS: view.api_status,
            Endpoint.POWERWALLS: view.powerwalls,
            Endpoint.POWERWALLS_STATUS: view.powerwalls_status,
            Endpoint.GRID_STATUS: view.grid_status,
            Endpoint.METERS_AGGREGATES: view.meters_aggregates,
            Endpoint.SOE: view.soe,
        }[endpoint]
        text = json.dumps(body)
        if isinstance(fault, Truncate) and endpoint in DATA_ENDPOINTS:
            text = text[: len(text) // 2]
        return web.Response(text=text, content_type="application/json")

    async def _login(self, request: web.Request) -> web.Response:
        try:
            credentials = await request.json()
        except ValueError:
            return web.json_response(
                error_body(400, "Bad Request", "invalid JSON body"), status=400
            )
        if not isinstance(credentials, dict) or not isinstance(credentials.get("password"), str):
            return web.json_response(
                error_body(400, "Bad Request", "password required"), status=400
            )
        if credentials.get("username", "customer") != "customer" or not secrets.compare_digest(
            credentials["password"].encode(), self.password.encode()
        ):
            return web.json_response(BAD_CREDENTIALS, status=401)
        token = secrets.token_urlsafe(64)
        self._sessions[token] = self.now() + self.session_ttl
        response = web.json_response(
            {
                "email": credentials.get("email", ""),
                "firstname": "Tesla",
                "lastname": "Energy",
                "roles": ["Home_Owner"],
                "token": token,
                "provider": "Basic",
                "loginTime": self.wall_time().isoformat(),
            }
        )
        response.set_cookie("AuthCookie", token, path="/")
        response.set_cookie("UserRecord", secrets.token_urlsafe(32), path="/")
        return response

    def _logout(self, request: web.Request) -> web.Response:
        token = self._session_of(request)
        if token is not None:
            del self._sessions[token]
        response = web.Response(status=204)
        response.del_cookie("AuthCookie", path="/")
        response.del_cookie("UserRecord", path="/")
        return response


def _certificates(
    cert_file: str | None,
    key_file: str | None,
    second_cert_file: str | None,
    second_key_file: str | None,
) -> dict[CertificateChoice, Certificate]:
    """The certificates given as files; the first is made now when not given."""
    if (cert_file is None) != (key_file is None):
        raise ValueError("give both cert_file and key_file, or neither")
    if (second_cert_file is None) != (second_key_file is None):
        raise ValueError("give both second_cert_file and second_key_file, or neither")
    certificates: dict[CertificateChoice, Certificate] = {
        "first": load_certificate(cert_file, key_file)
        if cert_file is not None and key_file is not None
        else generate_certificate()
    }
    if second_cert_file is not None and second_key_file is not None:
        certificates["second"] = load_certificate(second_cert_file, second_key_file)
    return certificates


def _not_found_response() -> web.Response:
    return web.Response(status=404, text=NOT_FOUND_TEXT, content_type="text/plain")


async def _not_found(request: web.Request) -> web.Response:
    return _not_found_response()
