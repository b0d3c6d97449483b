"""The control API refuses whoever is not the developer's own tooling, and keeps secrets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from simulator import GatewaySimulator
from simulator.pytest_plugin import SimulatorFactory as Factory

from .helpers import POWERWALLS, fetch, get_ok, login

RECORDED = {"enumerating": False, "powerwalls": [{"PackageSerialNumber": "TG-REPLAYED"}]}


async def send(
    client: aiohttp.ClientSession,
    sim: GatewaySimulator,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, Any]:
    status, body, _ = await fetch(
        client, sim, "/_sim/" + path, method=method, headers=headers or {}, **kwargs
    )
    return status, body


async def test_state_never_shows_the_password(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    sim = gateway_simulator
    status, state = await send(client, sim, "GET", "state", headers=sim.control_headers)
    assert status == 200
    assert "password" not in state
    assert sim.password not in json.dumps(state)
    status, state = await send(
        client, sim, "POST", "password", headers=sim.control_headers, json={"password": "new-pw"}
    )
    assert status == 200
    assert "new-pw" not in json.dumps(state)
    assert sim.password == "new-pw"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "state", None),
        ("GET", "requests", None),
        ("POST", "advance", {"seconds": 3600}),
        ("POST", "password", {"password": "taken-over"}),
        ("DELETE", "requests", None),
    ],
)
@pytest.mark.parametrize("token", [None, "", "a-guess"])
async def test_requests_without_the_token_are_refused(
    client: aiohttp.ClientSession,
    gateway_simulator: GatewaySimulator,
    method: str,
    path: str,
    body: Any,
    token: str | None,
) -> None:
    sim = gateway_simulator
    await login(client, sim)
    headers = {} if token is None else {"X-Simulator-Token": token}
    status, answer = await send(client, sim, method, path, headers=headers, json=body)
    assert status == 401
    assert answer == {"error": "the control API needs the control token in X-Simulator-Token"}
    assert sim.password == "simulator-password"
    assert sim.now() < 3600
    assert sim.logins == 1


async def test_a_foreign_origin_is_refused_even_with_the_token(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    sim = gateway_simulator
    for origin in ("https://evil.example", "null", f"http://{sim.host}", "https://localhost"):
        status, answer = await send(
            client,
            sim,
            "POST",
            "advance",
            headers={**sim.control_headers, "Origin": origin},
            json={"seconds": 3600},
        )
        assert (status, answer) == (403, {"error": "cross-origin control requests are refused"})
    assert sim.now() < 3600
    status, _ = await send(
        client,
        sim,
        "POST",
        "advance",
        headers={**sim.control_headers, "Origin": sim.url},
        json={"seconds": 3600},
    )
    assert status == 200
    assert sim.now() >= 3600


async def test_a_host_name_rebound_to_loopback_is_refused(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    sim = gateway_simulator
    for host in ("attacker.example:" + str(sim.port), "attacker.example", "[2001:db8::1]:443"):
        status, _ = await send(
            client, sim, "GET", "state", headers={**sim.control_headers, "Host": host}
        )
        assert status == 403, host
    for host in (f"localhost:{sim.port}", f"127.0.0.1:{sim.port}", "[::1]:8443"):
        status, _ = await send(
            client, sim, "GET", "state", headers={**sim.control_headers, "Host": host}
        )
        assert status == 200, host


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", '{"seconds": 3600}'),
        ("application/x-www-form-urlencoded", "seconds=3600"),
        ("multipart/form-data; boundary=x", '--x\r\n\r\n{"seconds": 3600}\r\n--x--'),
        (None, None),
    ],
)
async def test_posts_that_are_not_json_are_refused(
    client: aiohttp.ClientSession,
    gateway_simulator: GatewaySimulator,
    content_type: str | None,
    data: str | None,
) -> None:
    """What a cross-site form or a ``no-cors`` fetch can send, with the token guessed right."""
    sim = gateway_simulator
    headers = dict(sim.control_headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    status, answer = await send(client, sim, "POST", "advance", headers=headers, data=data)
    assert (status, answer) == (415, {"error": "control POST bodies must be application/json"})
    assert sim.now() < 3600


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


async def replay(
    client: aiohttp.ClientSession, sim: GatewaySimulator, name: str
) -> tuple[int, Any]:
    return await send(
        client,
        sim,
        "POST",
        "scenario",
        headers=sim.control_headers,
        json={"name": "replay", "powerwalls_file": name},
    )


async def test_replay_reads_only_inside_the_replay_folder(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, tmp_path: Path
) -> None:
    folder = tmp_path / "replay"
    write(folder / "mine.json", RECORDED)
    outside = write(tmp_path / "secret.json", {"powerwalls": [], "secret": "s3cret"})
    (folder / "link.json").symlink_to(outside)
    sim = await gateway_simulator_factory(replay_dir=folder)
    token = await login(client, sim)

    refusals = set()
    for name in (
        str(outside),
        str(tmp_path / "missing.json"),
        "../secret.json",
        "../missing.json",
        "link.json",
        "/etc/passwd",
        "/nonexistent/file",
        str(folder),
    ):
        status, answer = await replay(client, sim, name)
        assert status == 403, name
        refusals.add(json.dumps(answer))
    # One answer for every refusal: nothing tells which files exist outside.
    assert refusals == {
        json.dumps(
            {"error": f"the control API replays only files given at start or inside {folder}/"}
        )
    }
    assert sim.scenario == "normal"

    status, _ = await replay(client, sim, "mine.json")
    assert status == 200
    assert await get_ok(client, sim, POWERWALLS, token) == RECORDED
    sim.set_scenario("normal")
    status, _ = await replay(client, sim, str(folder / "mine.json"))
    assert status == 200
    assert await get_ok(client, sim, POWERWALLS, token) == RECORDED


async def test_replay_files_given_at_start_may_be_replayed_again(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, tmp_path: Path
) -> None:
    chosen = write(tmp_path / "chosen" / "pw.json", RECORDED)
    sim = await gateway_simulator_factory(
        powerwalls_file=str(chosen), replay_dir=tmp_path / "replay"
    )
    token = await login(client, sim)
    sim.set_scenario("normal")
    status, _ = await replay(client, sim, str(chosen))
    assert status == 200
    assert await get_ok(client, sim, POWERWALLS, token) == RECORDED
    status, _ = await replay(client, sim, str(tmp_path / "chosen" / "other.json"))
    assert status == 403


def test_the_python_api_keeps_reading_any_file(tmp_path: Path) -> None:
    """Tests and scripts are trusted: only the control API is confined."""
    sim = GatewaySimulator(powerwalls_file=str(write(tmp_path / "anywhere.json", RECORDED)))
    assert sim.scenario == "replay"
    sim.set_scenario("replay", powerwalls_file=str(write(tmp_path / "other.json", RECORDED)))
    assert sim.scenario == "replay"


async def test_the_default_replay_folder_is_shown_as_the_user_knows_it(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    status, answer = await replay(client, gateway_simulator, "/etc/passwd")
    assert (status, answer) == (
        403,
        {"error": "the control API replays only files given at start or inside replay/"},
    )


def test_each_simulator_has_its_own_random_token() -> None:
    first, second = GatewaySimulator(), GatewaySimulator()
    assert first.control_token != second.control_token
    assert len(first.control_token) >= 40
    assert GatewaySimulator(control_token="chosen").control_headers == {
        "X-Simulator-Token": "chosen"
    }
