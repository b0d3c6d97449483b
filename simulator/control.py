"""The simulator's control API: the ``/_sim/`` endpoints that drive it from outside."""

from __future__ import annotations

from dataclasses import asdict
import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler

from .loopback import host_name, is_loopback

if TYPE_CHECKING:
    from .app import GatewaySimulator

CONTROL_TOKEN_HEADER = "X-Simulator-Token"  # noqa: S105 - a header name, not a secret
"""The request header that carries the control token on every ``/_sim/`` request."""


class ControlApi:
    """The ``/_sim/`` endpoints that drive the simulator from outside.

    Anything that can reach a loopback port could otherwise drive the
    simulator, including a web page in the developer's browser: every request
    must come from a loopback client, name a loopback host, carry no foreign
    ``Origin``, carry the control token, and send its POST body as JSON
    (which a cross-site form cannot).
    """

    def __init__(self, sim: GatewaySimulator) -> None:
        """Control ``sim``."""
        self.sim = sim

    def register(self, router: web.UrlDispatcher) -> None:
        """Add the control routes."""
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/_sim/state", self.state),
            ("POST", "/_sim/scenario", self.scenario),
            ("POST", "/_sim/advance", self.advance),
            ("POST", "/_sim/expire_sessions", self.expire_sessions),
            ("POST", "/_sim/batteries", self.add_battery),
            ("DELETE", "/_sim/batteries/{serial}", self.remove_battery),
            ("POST", "/_sim/batteries/{serial}/replace", self.replace_battery),
            ("GET", "/_sim/requests", self.requests),
            ("DELETE", "/_sim/requests", self.clear_requests),
            ("POST", "/_sim/password", self.password),
            ("POST", "/_sim/rate_limit", self.rate_limit),
            ("POST", "/_sim/certificate", self.certificate),
        ]
        for method, path, handler in routes:
            router.add_route(method, path, self._guarded(handler))

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            try:
                return await handler(request)
            except PermissionError as err:
                return web.json_response({"error": str(err)}, status=403)
            except (KeyError, TypeError, ValueError) as err:
                return web.json_response({"error": str(err)}, status=400)

        return guarded

    def _refusal(self, request: web.Request) -> web.Response | None:
        """Return the answer refusing ``request``, or ``None`` if it may control."""
        if not is_loopback(request.remote or ""):
            return web.json_response(
                {"error": "the control API answers loopback clients only"}, status=403
            )
        # A DNS name rebound to 127.0.0.1 reaches the port, but not with a loopback Host.
        if not is_loopback(host_name(request.host)):
            return web.json_response(
                {"error": "the control API answers loopback host names only"}, status=403
            )
        origin = request.headers.get("Origin")
        if origin is not None and origin.rstrip("/") != self.sim.url:
            return web.json_response(
                {"error": "cross-origin control requests are refused"}, status=403
            )
        token = request.headers.get(CONTROL_TOKEN_HEADER, "")
        if not secrets.compare_digest(token.encode(), self.sim.control_token.encode()):
            return web.json_response(
                {"error": f"the control API needs the control token in {CONTROL_TOKEN_HEADER}"},
                status=401,
            )
        if request.method == "POST" and request.content_type != "application/json":
            return web.json_response(
                {"error": "control POST bodies must be application/json"}, status=415
            )
        return None

    def snapshot(self) -> dict[str, Any]:
        """Return the simulator's state as JSON."""
        sim = self.sim
        return {
            "url": sim.url,
            "din": sim.din,
            "fingerprint": sim.fingerprint,
            "certificate": sim.certificate_in_use,
            "scenario": sim.scenario,
            "params": sim.scenario_params,
            "scenario_elapsed": sim.scenario_elapsed,
            "now": sim.now(),
            "batteries": sim.serials,
            "sessions": sim.sessions,
            "rate_limit": sim.rate_limit,
            "requests": len(sim.requests),
            "logins": sim.logins,
        }

    async def state(self, request: web.Request) -> web.Response:
        """``GET /_sim/state``."""
        return web.json_response(self.snapshot())

    async def scenario(self, request: web.Request) -> web.Response:
        """``POST /_sim/scenario`` ``{"name": ..., **params}``."""
        params = await _body(request)
        for key, value in params.items():
            # Scenario parameters that name files are read by the simulator process.
            if key.endswith("_file") and value:
                params[key] = self.sim.replay_path(str(value))
        self.sim.set_scenario(str(params.pop("name")), **params)
        return web.json_response(self.snapshot())

    async def advance(self, request: web.Request) -> web.Response:
        """``POST /_sim/advance`` ``{"seconds": N}``."""
        self.sim.advance(float((await _body(request))["seconds"]))
        return web.json_response(self.snapshot())

    async def expire_sessions(self, request: web.Request) -> web.Response:
        """``POST /_sim/expire_sessions``."""
        return web.json_response({"expired": self.sim.expire_sessions()})

    async def add_battery(self, request: web.Request) -> web.Response:
        """``POST /_sim/batteries``: add one battery."""
        return web.json_response(
            {"serial": self.sim.add_battery(), "batteries": self.sim.serials}, status=201
        )

    async def remove_battery(self, request: web.Request) -> web.Response:
        """``DELETE /_sim/batteries/{serial}``."""
        try:
            self.sim.remove_battery(request.match_info["serial"])
        except KeyError:
            return web.json_response({"error": "no such battery"}, status=404)
        return web.json_response({"batteries": self.sim.serials})

    async def replace_battery(self, request: web.Request) -> web.Response:
        """``POST /_sim/batteries/{serial}/replace``."""
        try:
            serial = self.sim.replace_battery(request.match_info["serial"])
        except KeyError:
            return web.json_response({"error": "no such battery"}, status=404)
        return web.json_response({"serial": serial, "batteries": self.sim.serials})

    async def requests(self, request: web.Request) -> web.Response:
        """``GET /_sim/requests``: the request log."""
        return web.json_response([asdict(recorded) for recorded in self.sim.requests])

    async def clear_requests(self, request: web.Request) -> web.Response:
        """``DELETE /_sim/requests``."""
        self.sim.clear_requests()
        return web.Response(status=204)

    async def password(self, request: web.Request) -> web.Response:
        """``POST /_sim/password`` ``{"password": ...}``."""
        password = (await _body(request))["password"]
        if not isinstance(password, str):
            raise TypeError("password must be a string")
        self.sim.set_password(password)
        return web.json_response(self.snapshot())

    async def rate_limit(self, request: web.Request) -> web.Response:
        """``POST /_sim/rate_limit`` ``{"enabled": bool}``."""
        self.sim.rate_limit = bool((await _body(request))["enabled"])
        return web.json_response(self.snapshot())

    async def certificate(self, request: web.Request) -> web.Response:
        """``POST /_sim/certificate`` ``{"certificate": "first" | "second"}``."""
        which = (await _body(request))["certificate"]
        if not isinstance(which, str):
            raise TypeError("certificate must be 'first' or 'second'")
        self.sim.use_certificate(which, answering=request.protocol)
        return web.json_response(self.snapshot())


async def _body(request: web.Request) -> dict[str, Any]:
    body = await request.json()
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    return body
