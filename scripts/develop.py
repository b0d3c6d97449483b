"""Run the gateway simulator and a development Home Assistant with this integration set up.

Started by ``scripts/develop`` inside the project's toolchain. It:

1. starts the bundled gateway simulator on https://127.0.0.1:<sim port>;
2. links the integration from the checkout into ``config/custom_components``
   and copies the bundled blueprint where an imported one lives, beside Home
   Assistant's own example blueprints; creates the empty ``automations.yaml``
   and ``scripts.yaml`` the UI's editors save to;
3. pins Home Assistant's HTTP server to 127.0.0.1 in ``config/.storage/http``
   (a YAML ``http:`` block would only be a five-minute trial since 2026.10);
4. starts ``hass -c config``, onboards a development user (and nothing else:
   the onboarding's location step would add radio, weather, shopping-list and
   text-to-speech integrations this instance has no use for), and adds the
   integration pointed at the simulator, all over Home Assistant's API;
5. prints the URL and the credentials, then waits until Ctrl-C and stops both.
   Until then the terminal shows Home Assistant's console output; after it,
   only its warnings and errors, so the login stays in view (the whole log
   is in ``config/home-assistant.log``).

The development user's password is random, made once per checkout and kept in
``config/.develop-password`` (git-ignored, mode 0600), so no two checkouts
share a login and none is a password written in this repository. An instance
onboarded before, with the old fixed password, is switched to the random one.

``--check`` stops after printing what Home Assistant shows, for CI and smoke tests.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
import hashlib
import importlib.util
import json
import os
from pathlib import Path
import re
import secrets
import shutil
import signal
import sys
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
DOMAIN = "powerwall_gateway"
HOST = "127.0.0.1"
DEV_USER = "dev"
PASSWORD_FILE = CONFIG / ".develop-password"
# The simulator's certificate and key, kept like a real gateway's (see simulator_certificate).
SIM_CERT = CONFIG / ".develop-simulator-cert.pem"
SIM_KEY = CONFIG / ".develop-simulator-key.pem"
# The one `scripts/simulator control ... certificate second` swaps to, kept the same way.
SIM_SECOND_CERT = CONFIG / ".develop-simulator-second-cert.pem"
SIM_SECOND_KEY = CONFIG / ".develop-simulator-second-key.pem"
LEGACY_PASSWORD = "dev-password"  # noqa: S105 - what instances onboarded before had
SIM_PASSWORD = "simulator-password"  # noqa: S105
READY_TIMEOUT = 300.0
BLUEPRINTS = ROOT / "blueprints" / "automation" / DOMAIN
# Onboarding steps marked done before the first start: only the user step is
# left, so no onboarding integrations are added (see the module docstring).
ONBOARDED_BUT_THE_USER = ["core_config", "analytics", "integration"]
# Repairs Home Assistant raises about how it is installed here (a Python
# virtual environment, as every development checkout is): nothing to fix.
INSTALLATION_ISSUES = {("homeassistant", "deprecated_method")}
# The files Home Assistant's automation and script editors save to, which
# configuration.yaml includes, empty as Home Assistant's own first start writes
# them: an include of a missing file fails the configuration.
EDITOR_FILES = {"automations.yaml": "[]", "scripts.yaml": ""}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant port (8123)")
    parser.add_argument("--sim-port", type=int, default=8443, help="simulator port (8443)")
    parser.add_argument("--scenario", default="normal", help="simulator scenario (normal)")
    parser.add_argument("--batteries", type=int, default=2, help="simulated batteries (2)")
    parser.add_argument(
        "--diagnostics",
        metavar="FILE",
        help="replay this diagnostics download instead of a scenario (a file inside the "
        "checkout, relative to it, e.g. replay/download.json)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="start from an empty Home Assistant configuration"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit once the integration's entities are up"
    )
    return parser.parse_args(argv)


def saved_password(path: Path = PASSWORD_FILE) -> str | None:
    """Return the development user's password saved in ``path``, if there is one."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def new_password() -> str:
    """Return a fresh random development password (144 bits)."""
    return secrets.token_urlsafe(18)


def save_password(password: str, path: Path = PASSWORD_FILE) -> None:
    """Keep ``password`` in ``path``, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(password + "\n")
    temporary.replace(path)


def prepare_config(port: int, reset: bool) -> None:
    """Link the integration in, create the editors' files and pin the HTTP server to loopback."""
    if reset:
        for child in CONFIG.iterdir():
            # The password stays: a browser that saved it keeps working after a reset.
            if child.name not in {"configuration.yaml", PASSWORD_FILE.name}:
                _remove(child)
    links = CONFIG / "custom_components"
    links.mkdir(parents=True, exist_ok=True)
    link = links / DOMAIN
    if not link.is_symlink():
        _remove(link)
        link.symlink_to(Path("..", "..", "custom_components", DOMAIN))
    install_blueprints(CONFIG / "blueprints" / "automation")
    for name, empty in EDITOR_FILES.items():
        if not (CONFIG / name).exists():
            (CONFIG / name).write_text(empty, encoding="utf-8")
    storage = CONFIG / ".storage"
    storage.mkdir(exist_ok=True)
    stable = {
        "server_host": [HOST],
        "server_port": port,
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        # No IP banning: everything here comes from 127.0.0.1, so a ban locks
        # out the developer and this script (until config/ip_bans.yaml is
        # edited), and a browser tab left open across --reset fails to refresh
        # its token, which counts as a failed login. A random password of 144
        # bits needs no guessing limit.
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    document = {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    (storage / "http").write_text(json.dumps(document, indent=2))
    onboarding = storage / "onboarding"
    if not onboarding.exists():
        document = {
            "version": 4,
            "minor_version": 1,
            "key": "onboarding",
            "data": {"done": ONBOARDED_BUT_THE_USER},
        }
        onboarding.write_text(json.dumps(document, indent=2))


def install_blueprints(folder: Path) -> None:
    """Put the bundled blueprint in ``folder`` as a user's import would, beside the examples.

    Home Assistant lists only blueprints it finds without following symbolic
    links, and installs its example blueprints only into a folder that does
    not exist yet: so the examples go in first, as Home Assistant would put
    them, and the bundled blueprint is a copy, refreshed from the checkout at
    every start.
    """
    examples = folder / "homeassistant"
    if not examples.exists() and (package := importlib.util.find_spec("homeassistant")):
        assert package.origin is not None
        shipped = Path(package.origin).parent / "components" / "automation" / "blueprints"
        shutil.copytree(shipped, examples)
    target = folder / DOMAIN
    if target.is_symlink():  # how earlier versions of this script linked it in
        target.unlink()
    target.mkdir(parents=True, exist_ok=True)
    for blueprint in BLUEPRINTS.glob("*.yaml"):
        shutil.copyfile(blueprint, target / blueprint.name)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        for child in path.iterdir():
            _remove(child)
        path.rmdir()


def simulator_certificate() -> list[str]:
    """The simulator's options for its two certificates, made once per configuration.

    The integration pins the certificate a gateway presented when it was set
    up: a fresh one at every start would be another device to it, so an
    instance started again without --reset showed a certificate repair and no
    entities. A real gateway keeps its certificate; so does the simulator here.
    The second one, which the certificate-change scenario swaps to, is kept too,
    so a second certificate trusted in Home Assistant is the same after a restart.
    """
    options = []
    for cert, key, cert_option, key_option in (
        (SIM_CERT, SIM_KEY, "--cert", "--key"),
        (SIM_SECOND_CERT, SIM_SECOND_KEY, "--second-cert", "--second-key"),
    ):
        if not (cert.is_file() and key.is_file()):
            sys.path.insert(0, str(ROOT))
            from simulator.tls import generate_certificate  # noqa: PLC0415 - needs ROOT on the path

            certificate = generate_certificate()
            cert.write_bytes(certificate.cert_pem)
            key.unlink(missing_ok=True)
            descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(certificate.key_pem)
        options += [cert_option, str(cert), key_option, str(key)]
    return options


async def start_simulator(args: argparse.Namespace) -> tuple[asyncio.subprocess.Process, str]:
    """Start the simulator and wait for its ready line; return it and its host:port."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--host",
        HOST,
        "--port",
        str(args.sim_port),
        "--password",
        SIM_PASSWORD,
        "--batteries",
        str(args.batteries),
        *simulator_certificate(),
        *(
            ["--diagnostics", args.diagnostics]
            if args.diagnostics
            else ["--scenario", args.scenario]
        ),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        while line := (await process.stdout.readline()).decode():
            print(f"    simulator: {line.rstrip()}")
            if match := re.search(r"https://([\d.]+:\d+)", line):
                return process, match.group(1)
    raise SystemExit("The gateway simulator did not start; see its output above.")


async def wait_for_home_assistant(
    http: aiohttp.ClientSession, base: str, hass: asyncio.subprocess.Process
) -> None:
    """Wait until Home Assistant's HTTP API answers; stop at once if it exits."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if hass.returncode is not None:
            raise SystemExit(
                f"Home Assistant exited ({hass.returncode}) before it answered; see "
                "config/home-assistant.log. Is another instance using config/?"
            )
        try:
            async with http.get(f"{base}/api/onboarding") as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(1)
    raise SystemExit(f"Home Assistant did not answer on {base} within {READY_TIMEOUT:.0f} s")


async def _json(response: aiohttp.ClientResponse) -> Any:
    body = await response.text()
    if response.status >= 400:
        raise SystemExit(f"{response.method} {response.url.path}: HTTP {response.status}: {body}")
    return json.loads(body) if body else None


async def get_token(http: aiohttp.ClientSession, base: str, password: str, new: bool) -> str:
    """Onboard a development user on first start, or log in as it later; return a token.

    ``new``: ``password`` was made just now, so an instance that is already
    onboarded most likely still has the old fixed password. Whichever of the
    two logs in, the user ends up with ``password``, which is saved before
    Home Assistant has it: an interrupted switch is finished at the next start.
    """
    client_id = f"{base}/"
    async with http.get(f"{base}/api/onboarding") as response:
        # Once onboarding is complete, Home Assistant no longer serves this view.
        steps = [] if response.status == 404 else await _json(response)
    pending = {step["step"] for step in steps if not step["done"]}
    if new:
        save_password(password)
    if "user" in pending:
        async with http.post(
            f"{base}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Developer",
                "username": DEV_USER,
                "password": password,
                "language": "en",
            },
        ) as response:
            code = (await _json(response))["auth_code"]
        token = await _access_token(http, base, code)
    else:
        # Try the likely one first: each failed login is a warning in Home Assistant's log.
        for tried in (LEGACY_PASSWORD, password) if new else (password, LEGACY_PASSWORD):
            if (code := await _log_in(http, base, tried)) is not None:
                break
        else:
            raise SystemExit(
                "Cannot log in as the development user with the password in "
                f"{PASSWORD_FILE.relative_to(ROOT)}; run scripts/develop --reset "
                "to start from an empty configuration."
            )
        token = await _access_token(http, base, code)
        if tried == LEGACY_PASSWORD:
            await _change_password(http, base, token, LEGACY_PASSWORD, password)
    headers = {"Authorization": f"Bearer {token}"}
    for step, payload in (
        ("core_config", {}),
        ("analytics", {}),
        ("integration", {"client_id": client_id, "redirect_uri": client_id}),
    ):
        if step in pending:
            async with http.post(
                f"{base}/api/onboarding/{step}", json=payload, headers=headers
            ) as response:
                await _json(response)
    return token


async def ignore_installation_issues(http: aiohttp.ClientSession, base: str, token: str) -> None:
    """Ignore the repairs about how Home Assistant is installed here, once it has raised them.

    Home Assistant raises them when it has started; the integration is set up
    by then, so this waits for no more than a few seconds.
    """
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        async with http.get(f"{base}/api/config", headers=headers) as response:
            if (await _json(response)).get("state") == "RUNNING":
                break
        await asyncio.sleep(1)
    async with http.ws_connect(f"{base.replace('http', 'ws', 1)}/api/websocket") as socket:
        await socket.receive_json()  # auth_required
        await socket.send_json({"type": "auth", "access_token": token})
        if (await socket.receive_json()).get("type") != "auth_ok":
            raise SystemExit("Home Assistant refused the development user's token")
        await socket.send_json({"id": 1, "type": "repairs/list_issues"})
        issues = (await socket.receive_json()).get("result", {}).get("issues", [])
        raised = {(i["domain"], i["issue_id"]) for i in issues if not i.get("ignored")}
        for number, (domain, issue_id) in enumerate(sorted(raised & INSTALLATION_ISSUES), 2):
            await socket.send_json(
                {
                    "id": number,
                    "type": "repairs/ignore_issue",
                    "domain": domain,
                    "issue_id": issue_id,
                    "ignore": True,
                }
            )
            if not (await socket.receive_json()).get("success"):
                raise SystemExit(f"Ignoring the repair {domain}.{issue_id} failed")
            print(f"    Ignored the repair {domain}.{issue_id} (a virtual environment)", flush=True)


async def _log_in(http: aiohttp.ClientSession, base: str, password: str) -> str | None:
    """Log in as the development user; return the authorization code, or ``None`` if refused."""
    client_id = f"{base}/"
    async with http.post(
        f"{base}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    ) as response:
        flow = await _json(response)
    async with http.post(
        f"{base}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": DEV_USER, "password": password},
    ) as response:
        result = await _json(response)
    if result.get("type") != "create_entry":
        return None
    code: str = result["result"]
    return code


async def _access_token(http: aiohttp.ClientSession, base: str, code: str) -> str:
    """Exchange an authorization code for an access token."""
    async with http.post(
        f"{base}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": f"{base}/"},
    ) as response:
        token: str = (await _json(response))["access_token"]
    return token


async def _change_password(
    http: aiohttp.ClientSession, base: str, token: str, current: str, new: str
) -> None:
    """Change the development user's password (only the websocket API offers it)."""
    async with http.ws_connect(f"{base.replace('http', 'ws', 1)}/api/websocket") as socket:
        await socket.receive_json()  # auth_required
        await socket.send_json({"type": "auth", "access_token": token})
        if (await socket.receive_json()).get("type") != "auth_ok":
            raise SystemExit("Home Assistant refused the development user's token")
        await socket.send_json(
            {
                "id": 1,
                "type": "config/auth_provider/homeassistant/change_password",
                "current_password": current,
                "new_password": new,
            }
        )
        result = await socket.receive_json()
    if not result.get("success"):
        raise SystemExit(f"Changing the development password failed: {result.get('error')}")
    print(
        f"    Replaced the old fixed development password by a random one "
        f"({PASSWORD_FILE.relative_to(ROOT)})",
        flush=True,
    )


async def add_integration(
    http: aiohttp.ClientSession, base: str, token: str, sim_host: str, replayed: str | None
) -> None:
    """Add the integration pointed at the simulator, unless it is there already.

    A replayed diagnostics download, or another simulator certificate, is another
    gateway: the entry is made again.
    """
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(
        f"{base}/api/config/config_entries/entry", params={"domain": DOMAIN}, headers=headers
    ) as response:
        entries = await _json(response)
    # The simulator host, its certificate (which the entry pins) and the replayed
    # download this instance was last set up with.
    marker = CONFIG / ".develop-simulator"
    certificate = hashlib.sha256(SIM_CERT.read_bytes()).hexdigest()
    setup = f"{sim_host} certificate={certificate}"
    if replayed is not None:
        setup += f" diagnostics={replayed}"
    if entries and marker.is_file() and marker.read_text() == setup:
        return
    for entry in entries:
        # Pointed at a simulator on another port: start over with this one.
        async with http.delete(
            f"{base}/api/config/config_entries/entry/{entry['entry_id']}", headers=headers
        ) as response:
            await _json(response)
    async with http.post(
        f"{base}/api/config/config_entries/flow", json={"handler": DOMAIN}, headers=headers
    ) as response:
        flow = await _json(response)
    async with http.post(
        f"{base}/api/config/config_entries/flow/{flow['flow_id']}",
        json={"host": sim_host, "password": SIM_PASSWORD},
        headers=headers,
    ) as response:
        result = await _json(response)
    if result.get("type") != "create_entry":
        raise SystemExit(f"Adding the integration failed: {result}")
    marker.write_text(setup)


async def wait_for_entities(
    http: aiohttp.ClientSession, base: str, token: str
) -> list[Mapping[str, Any]]:
    """Wait until the integration's entities have states and no more appear; return them.

    The flag and battery entities appear after the first reads that follow the
    setup, so a first answer can be a part: the same count three seconds in a
    row is the whole.
    """
    headers = {"Authorization": f"Bearer {token}"}
    template = "{{ integration_entities('%s') | list | tojson }}" % DOMAIN  # noqa: UP031
    deadline = time.monotonic() + 60
    counts: list[int] = []
    while True:
        async with http.post(
            f"{base}/api/template", json={"template": template}, headers=headers
        ) as response:
            entity_ids = set(json.loads(await response.text() or "[]"))
        async with http.get(f"{base}/api/states", headers=headers) as response:
            states = await _json(response)
        ours = [s for s in states if s["entity_id"] in entity_ids and s["state"] != "unavailable"]
        counts = [*counts[-2:], len(ours)]
        if (ours and counts == [len(ours)] * 3) or time.monotonic() > deadline:
            return ours
        await asyncio.sleep(1)


BLUEPRINT_AUTOMATION = "automation.grid_outage_notifications"
# The start of a record in Home Assistant's console output (colours, if any, first).
CONSOLE_RECORD = re.compile(
    r"^(?:\x1b\[[0-9;]*m)*\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ "
    r"(DEBUG|INFO|WARNING|ERROR|CRITICAL) "
)
SHOWN_WHEN_QUIET = {"WARNING", "ERROR", "CRITICAL"}


class ConsoleFilter:
    """Which of Home Assistant's console lines the terminal shows.

    All of them until :attr:`quiet` is set (at the ready banner); from then on
    the records at WARNING and above, each with its continuation lines (a
    traceback), and nothing of the DEBUG and INFO records polls write every
    few seconds.
    """

    def __init__(self) -> None:
        """Show everything, until quiet."""
        self.quiet = False
        self._record_shown = True

    def shows(self, line: str) -> bool:
        """Whether the terminal shows ``line``."""
        if match := CONSOLE_RECORD.match(line):
            self._record_shown = match.group(1) in SHOWN_WHEN_QUIET
        return not self.quiet or self._record_shown


async def relay_console(stream: asyncio.StreamReader, console: ConsoleFilter) -> None:
    """Copy Home Assistant's console output to the terminal, as ``console`` lets through."""
    while line := await stream.readline():
        text = line.decode(errors="replace")
        if console.shows(text):
            sys.stdout.write(text)
            sys.stdout.flush()


async def blueprint_automation(http: aiohttp.ClientSession, base: str, token: str) -> str:
    """The state of the automation configuration.yaml builds from the bundled blueprint."""
    async with http.get(
        f"{base}/api/states/{BLUEPRINT_AUTOMATION}",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        if response.status != 200:
            return f"missing (HTTP {response.status})"
        state: dict[str, Any] = await response.json()
        return str(state["state"])


async def main(argv: list[str]) -> int:
    """Run everything until Ctrl-C (or, with --check, until the entities are up)."""
    args = parse_args(argv)
    if args.diagnostics and not (ROOT / args.diagnostics).is_file():
        raise SystemExit(
            f"No file {args.diagnostics} in the checkout: give the download's path inside "
            "the checkout, relative to it (e.g. replay/download.json)."
        )
    started = time.monotonic()
    base = f"http://{HOST}:{args.port}"
    prepare_config(args.port, args.reset)
    saved = saved_password()
    password = saved or new_password()
    simulator, sim_host = await start_simulator(args)
    # With --check, Home Assistant's console output stays in config/home-assistant.log;
    # without, it goes through a ConsoleFilter, quiet after the banner.
    hass = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "homeassistant",
        "-c",
        str(CONFIG),
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL if args.check else asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL if args.check else asyncio.subprocess.STDOUT,
    )
    console = ConsoleFilter()
    relay = (
        asyncio.create_task(relay_console(hass.stdout, console))
        if hass.stdout is not None
        else None
    )
    # Ctrl-C or SIGTERM cancels this task; the finally block below then stops
    # Home Assistant and the simulator.
    main_task = asyncio.current_task()
    assert main_task is not None
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, main_task.cancel)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_for_home_assistant(http, base, hass)
            token = await get_token(http, base, password, new=saved is None)
            await add_integration(http, base, token, sim_host, args.diagnostics)
            entities = await wait_for_entities(http, base, token)
            blueprint = await blueprint_automation(http, base, token)
            await ignore_installation_issues(http, base, token)
        elapsed = time.monotonic() - started
        serving = (
            f"replaying {args.diagnostics}" if args.diagnostics else f"scenario {args.scenario}"
        )
        print(
            f"\n==> Home Assistant is ready at {base} after {elapsed:.0f} s "
            f"({len(entities)} gateway entities)\n"
            f"    Log in as {DEV_USER} / {password} "
            f"(kept in {PASSWORD_FILE.relative_to(ROOT)})\n"
            f"    Gateway simulator: https://{sim_host} (password {SIM_PASSWORD}, {serving})\n"
            f"    Switch scenarios: scripts/simulator control --url https://{sim_host} "
            "scenario grid_outage\n"
            "    Home Assistant's log: config/home-assistant.log (only its warnings and "
            "errors show here from now on)\n"
            "    Ctrl-C stops both.\n",
            flush=True,
        )
        console.quiet = True
        if args.check:
            for state in sorted(entities, key=lambda s: s["entity_id"]):
                print(f"    {state['entity_id']}: {state['state']}")
            print(f"    {BLUEPRINT_AUTOMATION} (from the bundled blueprint): {blueprint}")
            if blueprint != "on":
                print("The blueprint's automation did not load; see config/home-assistant.log.")
                return 1
            if not entities:
                log = (CONFIG / "home-assistant.log").read_text(errors="replace")
                print("No entity came up. The end of config/home-assistant.log:")
                print("\n".join(log.splitlines()[-60:]))
                return 1
        else:
            await asyncio.Event().wait()
    finally:
        for process in (hass, simulator):
            if process.returncode is None:
                process.terminate()
        for process in (hass, simulator):
            try:
                async with asyncio.timeout(60):
                    await process.wait()
            except TimeoutError:
                process.kill()
        if relay is not None:
            await relay
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    try:
        sys.exit(asyncio.run(main(sys.argv[1:])))
    except KeyboardInterrupt, asyncio.CancelledError:
        print("\n==> Stopped Home Assistant and the gateway simulator.")
        sys.exit(130)
