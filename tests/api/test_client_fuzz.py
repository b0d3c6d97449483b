"""Whatever a gateway answers over HTTPS, a client call ends in a model or a PowerwallError.

The fuzz tests of the parser feed it decoded payloads; these go through the
whole client instead: real HTTPS on 127.0.0.1, the login, the status mapping,
the bounded (and possibly compressed) read, JSON decoding and parsing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import gzip
import json
from typing import Any

import aiohttp
from aiohttp import web
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.powerwall_gateway.api import (
    GatewayInfo,
    GridStatusInfo,
    PowerwallClient,
    PowerwallError,
    Powerwalls,
    PowerwallStatus,
)

from .conftest import ServeApp, load_json
from .test_models_fuzz import _mutate

CLIENT_FUZZ = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one server for all examples, answers set per example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

type Call = Callable[[PowerwallClient], Awaitable[object]]
ENDPOINTS: list[tuple[str, str, Call, type]] = [
    ("/api/powerwalls", "powerwalls.json", PowerwallClient.get_powerwalls, Powerwalls),
    (
        "/api/powerwalls/status",
        "powerwalls_status.json",
        PowerwallClient.get_status,
        PowerwallStatus,
    ),
    (
        "/api/system_status/grid_status",
        "grid_status.json",
        PowerwallClient.get_grid_status,
        GridStatusInfo,
    ),
    ("/api/status", "status.json", PowerwallClient.get_gateway_info, GatewayInfo),
]


@dataclass
class Answer:
    """What the fake gateway answers next, to the login and to the endpoint under test."""

    body: bytes = b"{}"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    login: Callable[[], web.Response] | None = None


@pytest.fixture
async def gateway(https_server: ServeApp) -> tuple[str, Answer]:
    answer = Answer()

    async def login(request: web.Request) -> web.Response:
        return answer.login() if answer.login else web.json_response({"token": "t0k3n"})

    async def data(request: web.Request) -> web.Response:
        return web.Response(body=answer.body, status=answer.status, headers=answer.headers)

    app = web.Application()
    app.router.add_post("/api/login/Basic", login)
    for path, *_ in ENDPOINTS:
        app.router.add_get(path, data)
    return await https_server(app), answer


def _encode(payload: Any, data: st.DataObject) -> tuple[bytes, dict[str, str]]:
    """Serialise a (mutated) payload the way a gateway might, or break the bytes."""
    body = json.dumps(payload).encode()
    damage = data.draw(st.sampled_from(["none", "none", "cut", "garbage", "gzip"]), label="damage")
    if damage == "cut":
        return body[: data.draw(st.integers(0, len(body)), label="cut at")], {}
    if damage == "garbage":
        return data.draw(st.binary(max_size=200), label="garbage"), {}
    if damage == "gzip":
        return gzip.compress(body), {"Content-Encoding": "gzip"}
    return body, {"Content-Type": "application/json"}


@pytest.mark.parametrize(("path", "fixture", "call", "model"), ENDPOINTS)
@CLIENT_FUZZ
@given(data=st.data())
async def test_any_answer_ends_in_a_model_or_a_powerwall_error(
    gateway: tuple[str, Answer],
    http: aiohttp.ClientSession,
    path: str,
    fixture: str,
    call: Call,
    model: type,
    data: st.DataObject,
) -> None:
    host, answer = gateway
    answer.body, answer.headers = _encode(_mutate(load_json(fixture), data), data)
    answer.status = data.draw(
        st.sampled_from([200, 200, 200, 200, 400, 401, 403, 404, 409, 429, 500, 502, 503]),
        label="status",
    )
    answer.login = data.draw(
        st.sampled_from(
            [
                None,
                None,
                lambda: web.json_response({"token": 12}),
                lambda: web.json_response({}, status=401),
                lambda: web.Response(body=b"\x00\xff", status=200),
            ]
        ),
        label="login",
    )
    client = PowerwallClient(host, "password", session=http, request_timeout=5.0)

    try:
        result = await call(client)
    except PowerwallError:
        assert path not in client.last_payloads or answer.status == 200
    else:
        assert isinstance(result, model)
        assert answer.status == 200
        assert isinstance(client.last_payloads[path], dict)
