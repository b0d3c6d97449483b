"""Replay of the integration's diagnostics download: the owner's gateway as the download saw it."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
import re
import sys
from typing import Any

import aiohttp
import pytest

from simulator import GatewaySimulator
from simulator.__main__ import READY_PREFIX
from simulator.pytest_plugin import SimulatorFactory as Factory

from .helpers import GRID_STATUS, POWERWALLS, POWERWALLS_STATUS, fetch, get_ok, login

DOWNLOAD_FILE = Path(__file__).parent / "diagnostics_download.json"
DOWNLOAD: dict[str, Any] = json.loads(DOWNLOAD_FILE.read_text(encoding="utf-8"))
PAYLOADS: dict[str, Any] = DOWNLOAD["data"]["payloads"]
METERS = "/api/meters/aggregates"
SOE = "/api/system_status/soe"


def with_payloads(payloads: dict[str, Any]) -> dict[str, Any]:
    """The download's bare ``data`` with other payloads."""
    data = copy.deepcopy(DOWNLOAD["data"])
    data["payloads"] = payloads
    return data


async def served(
    client: aiohttp.ClientSession, sim: GatewaySimulator, token: str
) -> dict[str, tuple[int, Any]]:
    """What each endpoint answers, by path."""
    answers = {}
    for path in ("/api/status", POWERWALLS, POWERWALLS_STATUS, GRID_STATUS, METERS, SOE):
        status, body, _ = await fetch(client, sim, path, token)
        answers[path] = (status, body)
    return answers


async def test_wrapped_download_is_served_verbatim(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory
) -> None:
    sim = await gateway_simulator_factory(diagnostics_file=str(DOWNLOAD_FILE))
    assert sim.scenario == "diagnostics"
    token = await login(client, sim)
    answers = await served(client, sim, token)
    for path, payload in PAYLOADS.items():
        assert answers[path] == (200, payload), path
    # Not in the download: answered as a restricted gateway would.
    assert answers[METERS] == (404, "404 page not found\n")
    assert answers[SOE] == (404, "404 page not found\n")
    # Pseudonyms are just strings: the device tree is the owner's.
    assert sim.din == "**DIN**"
    assert sim.serials == ["**SERIAL_1**", "**SERIAL_2**"]
    # Sessions and the login still work as on a gateway.
    assert (await fetch(client, sim, POWERWALLS))[0] == 401
    assert sim.logins == 1


@pytest.mark.parametrize(
    "download",
    [DOWNLOAD, DOWNLOAD["data"]],
    ids=["wrapped", "bare data"],
)
async def test_replay_diagnostics_from_python_takes_a_dict(
    client: aiohttp.ClientSession,
    gateway_simulator: GatewaySimulator,
    token: str,
    download: dict[str, Any],
) -> None:
    sim = gateway_simulator
    sim.replay_diagnostics(download)
    assert await get_ok(client, sim, POWERWALLS, token) == PAYLOADS[POWERWALLS]
    assert await get_ok(client, sim, GRID_STATUS, token) == PAYLOADS[GRID_STATUS]


async def test_replay_diagnostics_from_python_takes_a_file(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str, tmp_path: Path
) -> None:
    sim = gateway_simulator
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(DOWNLOAD["data"]), encoding="utf-8")
    sim.replay_diagnostics(bare)
    assert await get_ok(client, sim, POWERWALLS_STATUS, token) == PAYLOADS[POWERWALLS_STATUS]
    sim.replay_diagnostics(str(DOWNLOAD_FILE))
    assert await get_ok(client, sim, POWERWALLS, token) == PAYLOADS[POWERWALLS]


async def test_download_of_a_restricted_gateway(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.replay_diagnostics(
        with_payloads(
            {
                "/api/status": PAYLOADS["/api/status"],
                GRID_STATUS: {"grid_status": "SystemIslandedActive", "grid_services_active": True},
            }
        )
    )
    answers = await served(client, sim, token)
    assert answers[POWERWALLS][0] == 404
    assert answers[POWERWALLS_STATUS][0] == 404
    assert answers[GRID_STATUS] == (
        200,
        {"grid_status": "SystemIslandedActive", "grid_services_active": True},
    )
    assert answers["/api/status"] == (200, PAYLOADS["/api/status"])
    assert sim.din == "**DIN**"


async def test_download_without_api_status_keeps_its_din(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.replay_diagnostics(with_payloads({POWERWALLS: PAYLOADS[POWERWALLS]}))
    status, body, _ = await fetch(client, sim, "/api/status")
    assert status == 200
    assert body["din"] == "**DIN**" == sim.din
    # Without the small endpoint in the download, it is not there (no derived flags).
    assert (await fetch(client, sim, POWERWALLS_STATUS, token))[0] == 404


async def test_download_of_a_gateway_without_din(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    powerwalls = {k: v for k, v in PAYLOADS[POWERWALLS].items() if k != "gateway_din"}
    sim.replay_diagnostics(with_payloads({"powerwalls": powerwalls}))
    assert sim.din is None
    assert "din" not in (await fetch(client, sim, "/api/status"))[1]
    assert await get_ok(client, sim, POWERWALLS, token) == powerwalls


async def test_a_null_payload_is_a_missing_endpoint(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, token: str
) -> None:
    sim = gateway_simulator
    sim.replay_diagnostics(with_payloads({**PAYLOADS, POWERWALLS_STATUS: None}))
    assert (await fetch(client, sim, POWERWALLS_STATUS, token))[0] == 404
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 200


@pytest.mark.parametrize(
    ("download", "message"),
    [
        ({"home_assistant": {}, "data": {"entry": {}, "state": "setup_retry"}}, "no 'payloads'"),
        ({"payloads": {"/api/unknown": {}, "/api/status": None}}, "holds no gateway payload"),
        ({"payloads": ["not", "an", "object"]}, "no 'payloads'"),
        ([1, 2], "no 'payloads'"),
    ],
)
def test_what_is_not_a_download_is_refused(download: Any, message: str) -> None:
    sim = GatewaySimulator()
    with pytest.raises(ValueError, match=message):
        # What the control API passes on for {"name": "diagnostics", "download": ...}.
        sim.set_scenario("diagnostics", download=download)
    assert sim.scenario == "normal"


def test_unreadable_download_files_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"data": {"payloads": ', encoding="utf-8")
    with pytest.raises(ValueError, match="cannot replay"):
        GatewaySimulator(diagnostics_file=str(broken))
    with pytest.raises(ValueError, match="diagnostics needs"):
        GatewaySimulator(scenario="diagnostics")
    with pytest.raises(ValueError, match="not both"):
        GatewaySimulator(diagnostics_file=str(DOWNLOAD_FILE), powerwalls_file=str(broken))


async def test_control_api_replays_downloads_from_the_replay_folder_only(
    client: aiohttp.ClientSession, gateway_simulator_factory: Factory, tmp_path: Path
) -> None:
    folder = tmp_path / "replay"
    folder.mkdir()
    (folder / "download.json").write_text(DOWNLOAD_FILE.read_text(encoding="utf-8"))
    sim = await gateway_simulator_factory(replay_dir=folder)
    token = await login(client, sim)

    async def switch(body: dict[str, Any]) -> int:
        status, _, _ = await fetch(
            client,
            sim,
            "/_sim/scenario",
            method="POST",
            json={"name": "diagnostics", **body},
            headers=sim.control_headers,
        )
        return status

    assert await switch({"diagnostics_file": str(DOWNLOAD_FILE)}) == 403
    assert sim.scenario == "normal"
    assert await switch({"diagnostics_file": "download.json"}) == 200
    assert await get_ok(client, sim, POWERWALLS, token) == PAYLOADS[POWERWALLS]
    # A download sent in the request itself reads no file at all.
    assert await switch({"download": with_payloads({GRID_STATUS: PAYLOADS[GRID_STATUS]})}) == 200
    assert (await fetch(client, sim, POWERWALLS, token))[0] == 404


@pytest.mark.usefixtures("socket_enabled")
async def test_command_line_replays_a_download(
    client: aiohttp.ClientSession, tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--port", "0", "--diagnostics", str(DOWNLOAD_FILE),
        "--token-file", str(tmp_path / "token"),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
        assert line.startswith(READY_PREFIX)
        assert "scenario=diagnostics" in line
        match = re.search(r"url=(\S+) password=(\S+)", line)
        assert match, line
        url, password = match.groups()
        async with client.post(
            url + "/api/login/Basic",
            json={"username": "customer", "email": "", "password": password},
            ssl=False,
        ) as response:
            token = (await response.json())["token"]
        async with client.get(
            url + POWERWALLS, headers={"Authorization": f"Bearer {token}"}, ssl=False
        ) as response:
            assert await response.json() == PAYLOADS[POWERWALLS]
    finally:
        process.terminate()
        await process.wait()


async def test_command_line_refuses_a_download_with_payload_files() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--port", "0", "--diagnostics", str(DOWNLOAD_FILE),
        "--powerwalls", str(DOWNLOAD_FILE),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode == 2
    assert "not both" in stderr.decode()
