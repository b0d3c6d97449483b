"""The command line: help, scenario list, serving until SIGTERM, and control."""

from __future__ import annotations

import asyncio
from pathlib import Path
import re
import signal
import stat
import sys

import aiohttp
import pytest

from simulator import SCENARIOS, GatewaySimulator
from simulator.__main__ import (
    READY_PREFIX,
    STATE_DIR,
    TOKEN_ENV,
    control,
    main,
    serve,
    serve_parser,
)

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
        "--list-scenarios", "--param", "--slow-delay", "--diagnostics", "--token-file",
        "--second-cert", "--second-key",
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
async def test_serves_until_sigterm(client: aiohttp.ClientSession, tmp_path: Path) -> None:
    token_file = tmp_path / "state" / "control.token"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--port", "0", "--password", "pw",
        "--scenario", "grid_outage", "--batteries", "3", "--token-file", str(token_file),
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
        assert f"control_token_file={token_file}" in line
        # Only the owner can read the token, and the folder made for it.
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
        token = token_file.read_text(encoding="utf-8").strip()
        assert token not in line
        async with client.get(
            url + "/_sim/state", headers={"X-Simulator-Token": token}, ssl=False
        ) as response:
            assert response.status == 200
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
        assert not token_file.exists()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_control_command_drives_a_running_simulator(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, tmp_path: Path
) -> None:
    token = await login(client, gateway_simulator)
    token_file = tmp_path / "control.token"
    token_file.write_text(gateway_simulator.control_token, encoding="utf-8")
    url = ("--url", gateway_simulator.url, "--token-file", str(token_file))
    code, out, _ = await run("control", *url, "scenario", "grid_outage", "outage=5")
    assert code == 0, out
    assert '"grid_outage"' in out
    assert (await run("control", *url, "advance", "6"))[0] == 0
    grid = await get_ok(client, gateway_simulator, GRID_STATUS, token)
    assert grid["grid_status"] == "SystemTransitionToGrid"
    code, out, _ = await run("control", *url, "add-battery")
    assert (code, gateway_simulator.serials[-1]) == (0, "TG123456789003")
    assert (await run("control", *url, "expire-sessions"))[0] == 0
    assert (await fetch(client, gateway_simulator, GRID_STATUS, token))[0] == 401
    code, _, _ = await run("control", *url, "remove-battery", "nope")
    assert code == 1


async def test_control_command_takes_the_token_from_the_environment(
    gateway_simulator: GatewaySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, gateway_simulator.control_token)
    code, out, _ = await run("control", "--url", gateway_simulator.url, "advance", "5")
    assert code == 0, out
    assert gateway_simulator.scenario_elapsed >= 5


async def test_control_command_without_a_token_says_where_it_looked(
    gateway_simulator: GatewaySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    code, _, err = await run("control", "--url", gateway_simulator.url, "advance", "5")
    assert code == 2
    assert f".simulator/control-{gateway_simulator.port}.token" in err
    assert gateway_simulator.scenario_elapsed < 5


async def test_control_command_with_a_wrong_token_is_refused(
    gateway_simulator: GatewaySimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "guessed")
    code, out, _ = await run("control", "--url", gateway_simulator.url, "advance", "5")
    assert code == 1
    assert "control token" in out
    assert gateway_simulator.scenario_elapsed < 5


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
    port = match.group(1).rpartition(":")[2]
    # Where `control` finds it without being told: the checkout's .simulator/ folder.
    assert f"control_token_file=.simulator/control-{port}.token" in out
    assert (STATE_DIR / f"control-{port}.token").is_file()
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
    assert not (STATE_DIR / f"control-{port}.token").exists()
