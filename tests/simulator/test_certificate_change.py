"""The certificate-change scenario: the simulator presents a second certificate, and the first again.

What a gateway that is reset or replaced at the same address does; checked
over real TLS handshakes, through the Python API, the control API and the
command line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import hashlib
import json
from pathlib import Path
import ssl

import aiohttp
import pytest

from simulator import GatewaySimulator
from simulator.tls import generate_certificate

from .test_cli import run
from .test_replay_and_control import control


def _client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def presented(sim: GatewaySimulator) -> str:
    """The SHA-256 fingerprint of the certificate a new TLS connection to ``sim`` sees."""
    reader, writer = await asyncio.open_connection(sim.bind_host, sim.port, ssl=_client_context())
    del reader
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    await writer.wait_closed()
    return hashlib.sha256(der).hexdigest()


async def test_swaps_to_a_second_certificate_and_back(
    gateway_simulator: GatewaySimulator,
) -> None:
    sim = gateway_simulator
    first = sim.fingerprint
    assert await presented(sim) == first
    assert sim.certificate_in_use == "first"

    sim.use_certificate("second")
    second = sim.fingerprint
    assert second != first
    assert await presented(sim) == second
    assert sim.certificate_in_use == "second"

    sim.use_certificate("first")
    assert await presented(sim) == sim.fingerprint == first
    # The second certificate is the same one each time: a client that trusted it keeps it.
    sim.use_certificate("second")
    assert await presented(sim) == second


async def test_an_open_connection_is_closed_by_the_swap(
    gateway_simulator: GatewaySimulator,
) -> None:
    """A pooled keep-alive connection cannot go on with the old certificate."""
    sim = gateway_simulator
    reader, writer = await asyncio.open_connection(sim.bind_host, sim.port, ssl=_client_context())
    writer.write(f"GET /api/status HTTP/1.1\r\nHost: {sim.host}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    await reader.readexactly(length)

    sim.use_certificate("second")

    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_control_api_swaps_the_certificate(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator
) -> None:
    sim = gateway_simulator
    first = sim.fingerprint
    status, state = await control(client, sim, "POST", "certificate", {"certificate": "second"})
    assert status == 200
    assert state["certificate"] == "second"
    assert state["fingerprint"] == await presented(sim) != first
    status, state = await control(client, sim, "POST", "certificate", {"certificate": "first"})
    assert (status, state["certificate"], state["fingerprint"]) == (200, "first", first)
    assert await presented(sim) == first
    status, state = await control(client, sim, "GET", "state")
    assert state["certificate"] == "first"


@pytest.mark.parametrize("body", [{"certificate": "third"}, {"certificate": 2}, {}])
async def test_control_api_refuses_another_certificate_name(
    client: aiohttp.ClientSession, gateway_simulator: GatewaySimulator, body: dict[str, object]
) -> None:
    fingerprint = gateway_simulator.fingerprint
    assert (await control(client, gateway_simulator, "POST", "certificate", body))[0] == 400
    assert await presented(gateway_simulator) == fingerprint


async def test_command_line_swaps_the_certificate(
    gateway_simulator: GatewaySimulator, tmp_path: Path
) -> None:
    """The documented scenario: `control certificate second`, then `control certificate first`."""
    sim = gateway_simulator
    first = sim.fingerprint
    token_file = tmp_path / "control.token"
    token_file.write_text(sim.control_token, encoding="utf-8")
    url = ("--url", sim.url, "--token-file", str(token_file))

    code, out, _ = await run("control", *url, "certificate", "second")
    assert code == 0, out
    state = json.loads(out)
    assert state["certificate"] == "second"
    assert state["fingerprint"] == await presented(sim) != first

    code, out, _ = await run("control", *url, "certificate", "first")
    assert code == 0, out
    assert json.loads(out)["fingerprint"] == await presented(sim) == first
    code, _, err = await run("control", *url, "certificate", "third")
    assert code == 2
    assert "invalid choice" in err


async def test_the_second_certificate_can_be_given_as_files(
    gateway_simulator_factory: Callable[..., Awaitable[GatewaySimulator]], tmp_path: Path
) -> None:
    """As scripts/develop gives it, so the second certificate is the same after a restart."""
    certificate = generate_certificate()
    (tmp_path / "cert.pem").write_bytes(certificate.cert_pem)
    (tmp_path / "key.pem").write_bytes(certificate.key_pem)
    sim = await gateway_simulator_factory(
        second_cert_file=str(tmp_path / "cert.pem"), second_key_file=str(tmp_path / "key.pem")
    )
    sim.use_certificate("second")
    assert await presented(sim) == certificate.fingerprint
    with pytest.raises(ValueError, match="second_cert_file and second_key_file"):
        GatewaySimulator(second_cert_file=str(tmp_path / "cert.pem"))
