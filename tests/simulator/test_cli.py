"""The command line: help, scenario list, serving until SIGTERM, and control."""

from __future__ import annotations

import asyncio
import re
import signal
import sys

import aiohttp
import pytest

from simulator import SCENARIOS, GatewaySimulator
from simulator.__main__ import READY_PREFIX, control, main, serve, serve_parser

from .helpers import GRID_STATUS, fetch, get_ok, login


async def run(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 15)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_help_documents_every_option_and_scenario() -> None:
    code, out, _ = await run("--help")
    assert code == 0
    for option in (
        "--host", "--port", "--password", "--batteries", "--scenario", "--powerwalls",
        "--status", "--retry-after", "--no-rate-limit", "--session-ttl", "--cert", "--key",
        "--list-scenarios", "--param", "--slow-delay",
    ):  # fmt: skip
        assert option in out
    for name in SCENARIOS:
        assert re.search(rf"^\s+{name}\s+\S", out, re.MULTILINE), name


async def test_list_scenarios() -> None:
    code, out, _ = await run("--list-scenarios")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == list(SCENARIOS)


async def test_non_loopback_host_is_refused() -> None:
    code, _, err = await run("--host", "0.0.0.0", "--port", "0")
    assert code == 2
    assert "loopback" in err


async def test_unknown_scenario_parameter_is_refused() -> None:
    code, _, err = await run("--port", "0", "--param", "speed=3")
    assert code == 2
    assert "no parameter" in err


@pytest.mark.usefixtures("socket_enabled")
async def test_serves_until_sigterm(client: aiohttp.ClientSession) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--port", "0", "--password", "pw",
        "--scenario", "grid_outage", "--batteries", "3",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
        assert line.startswith(READY_PREFIX)
        match = re.search(r"url=(\S+) password=(\S+) fingerprint=([0-9a-f]{64})", line)
        assert match, line
        url, password, _ = match.groups()
        assert password == "pw"
        async with client.post(
            url + "/api/login/Basic",
            json={"username": "customer", "email": "", "password": "pw", "force_sm_off": False},
            ssl=False,
        ) as response:
            assert response.status == 200
            token = (await response.json())["token"]
        async with client.get(
            url + GRID_STATUS, headers={"Authorization": f"Bearer {token}"}, ssl=False
        ) as response:
            assert (await response.json())["grid_status"] == "SystemIslandedActive"
        process.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(process.communicate(), 10)
        assert process.returncode == 0
        assert "stopped" in rest.decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_control_command_drives_a_running_simulator(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    token = await login(client, gateway_simulator)
    url = gateway_simulator.url
    code, out, _ = await run("control", "--url", url, "scenario", "grid_outage", "outage=5")
    assert code == 0, out
    assert '"grid_outage"' in out
    assert (await run("control", "--url", url, "advance", "6"))[0] == 0
    grid = await get_ok(client, gateway_simulator, GRID_STATUS, token)
    assert grid["grid_status"] == "SystemTransitionToGrid"
    code, out, _ = await run("control", "--url", url, "add-battery")
    assert (code, gateway_simulator.serials[-1]) == (0, "TG123456789003")
    assert (await run("control", "--url", url, "expire-sessions"))[0] == 0
    assert (await fetch(client, gateway_simulator, GRID_STATUS, token))[0] == 401
    code, _, _ = await run("control", "--url", url, "remove-battery", "nope")
    assert code == 1


async def test_control_refuses_non_loopback_url() -> None:
    code, _, err = await run("control", "--url", "https://192.0.2.1:443", "state")
    assert code == 2
    assert "loopback" in err


def test_main_lists_scenarios_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-scenarios"]) == 0
    assert capsys.readouterr().out.split()[0] == "normal"


@pytest.mark.parametrize(
    "args",
    [
        ["--host", "10.1.2.3"],
        ["--cert", "cert.pem"],
        ["--batteries", "40"],
        ["--retry-after", "later"],
        ["--login-limit", "many"],
        ["--param", "novalue"],
    ],
)
def test_main_rejects_bad_options(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", *args])
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.usefixtures("socket_enabled")
async def test_serve_in_process_until_stopped(
    client: aiohttp.ClientSession, capsys: pytest.CaptureFixture[str]
) -> None:
    args = serve_parser().parse_args(
        ["--port", "0", "--retry-after", "auto", "--login-limit", "5/60", "--param", "outage=5",
         "--scenario", "grid_outage", "--no-rate-limit", "--unauthorized-status", "403"]
    )  # fmt: skip
    stop = asyncio.Event()
    task = asyncio.ensure_future(serve(args, stop))
    out = ""
    for _ in range(100):
        out += capsys.readouterr().out
        if READY_PREFIX in out:
            break
        await asyncio.sleep(0.02)
    match = re.search(r"url=(\S+)", out)
    assert match, out
    async with client.get(match.group(1) + GRID_STATUS, ssl=False) as response:
        assert response.status == 403
    state_code = await control(["--url", match.group(1), "rate-limit", "on"])
    assert state_code == 0
    assert '"rate_limit": true' in capsys.readouterr().out
    for command in (["state"], ["requests"], ["clear-requests"], ["password", "x"],
                    ["replace-battery", "TG123456789001"]):  # fmt: skip
        assert await control(["--url", match.group(1), *command]) == 0
    stop.set()
    assert await asyncio.wait_for(task, 5) == 0
    assert "stopped" in capsys.readouterr().out
