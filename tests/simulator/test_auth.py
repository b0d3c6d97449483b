"""Login, sessions and logout, seen by a client over HTTPS."""

from __future__ import annotations

import aiohttp

from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory as Factory

from .helpers import LOGIN, POWERWALLS, credentials, fetch, get_ok, login

NO_ACCESS = {
    "code": 401,
    "error": "Unable to GET to resource",
    "message": "User does not have adequate access rights",
}


async def test_login_with_right_password_returns_token_and_cookies(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    async with client.post(
        gateway_simulator.url + LOGIN, json=credentials("simulator-password"), ssl=False
    ) as response:
        assert response.status == 200
        body = await response.json()
        cookies = response.cookies
    assert body["email"] == "owner@example.com"
    assert body["firstname"] == "Tesla"
    assert body["lastname"] == "Energy"
    assert body["roles"] == ["Home_Owner"]
    assert body["provider"] == "Basic"
    assert len(body["token"]) > 40
    assert "T" in body["loginTime"]
    assert cookies["AuthCookie"].value == body["token"]
    assert cookies["UserRecord"].value
    assert gateway_simulator.sessions == 1


async def test_login_with_wrong_password_is_401_bad_credentials(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    status, body, _ = await fetch(
        client, gateway_simulator, LOGIN, method="POST", json=credentials("wrong")
    )
    assert status == 401
    assert body == {"code": 401, "error": "bad credentials", "message": "Login Error"}
    assert gateway_simulator.sessions == 0


async def test_login_with_bad_json_is_400(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    status, _, _ = await fetch(client, gateway_simulator, LOGIN, method="POST", data=b"{nope")
    assert status == 400
    status, _, _ = await fetch(client, gateway_simulator, LOGIN, method="POST", json=["x"])
    assert status == 400


async def test_login_as_other_user_is_refused(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    body = {**credentials("simulator-password"), "username": "installer"}
    status, _, _ = await fetch(client, gateway_simulator, LOGIN, method="POST", json=body)
    assert status == 401


async def test_data_endpoint_without_session_is_401(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    status, body, _ = await fetch(client, gateway_simulator, POWERWALLS)
    assert status == 401
    assert body == NO_ACCESS
    status, body, _ = await fetch(client, gateway_simulator, POWERWALLS, "made-up-token")
    assert status == 401


async def test_unauthorized_status_can_be_403(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(unauthorized_status=403)
    status, body, _ = await fetch(client, sim, POWERWALLS)
    assert status == 403
    assert body["code"] == 403


async def test_bearer_and_cookie_both_authenticate(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    await get_ok(client, gateway_simulator, POWERWALLS, token)
    status, _, _ = await fetch(
        client, gateway_simulator, POWERWALLS, headers={"Cookie": f"AuthCookie={token}"}
    )
    assert status == 200


async def test_cookie_jar_client_stays_logged_in(gateway_simulator: GatewaySimulator) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await login(session, gateway_simulator)
        async with session.get(gateway_simulator.url + POWERWALLS, ssl=False) as response:
            assert response.status == 200


async def test_session_expires_after_ttl_on_simulator_clock(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(session_ttl=3600.0)
    token = await login(client, sim)
    sim.advance(3599)
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 200
    sim.advance(2)
    status, body, _ = await fetch(client, sim, POWERWALLS, token)
    assert status == 401
    assert body == NO_ACCESS


async def test_default_session_lasts_a_day(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    gateway_simulator.advance(86000)
    assert (await fetch(client, gateway_simulator, POWERWALLS, token))[0] == 200
    gateway_simulator.advance(500)
    assert (await fetch(client, gateway_simulator, POWERWALLS, token))[0] == 401


async def test_expire_sessions_ends_every_session(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    other = await login(client, gateway_simulator)
    assert gateway_simulator.expire_sessions() == 2
    assert (await fetch(client, gateway_simulator, POWERWALLS, token))[0] == 401
    assert (await fetch(client, gateway_simulator, POWERWALLS, other))[0] == 401


async def test_logout_ends_only_that_session(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    other = await login(client, gateway_simulator)
    status, _, _ = await fetch(client, gateway_simulator, "/api/logout", token)
    assert status == 204
    assert (await fetch(client, gateway_simulator, POWERWALLS, token))[0] == 401
    assert (await fetch(client, gateway_simulator, POWERWALLS, other))[0] == 200
    # Logging out without a session is harmless.
    assert (await fetch(client, gateway_simulator, "/api/logout"))[0] == 204


async def test_password_change_applies_to_next_login(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    gateway_simulator.set_password("new-secret")
    status, _, _ = await fetch(
        client, gateway_simulator, LOGIN, method="POST", json=credentials("simulator-password")
    )
    assert status == 401
    await login(client, gateway_simulator, "new-secret")
