"""Command line: run the gateway simulator, or drive a running one (``control``)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import json
import os
from pathlib import Path
import signal
import sys
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .app import (
    CERTIFICATE_CHOICES,
    CHECKOUT,
    DEFAULT_ENDPOINT_LIMIT,
    DEFAULT_LOGIN_LIMIT,
    DEFAULT_PASSWORD,
    GatewaySimulator,
    RateLimit,
)
from .control import CONTROL_TOKEN_HEADER
from .loopback import loopback_host
from .scenarios import SCENARIOS

READY_PREFIX = "Gateway simulator ready:"
STATE_DIR = CHECKOUT / ".simulator"
"""Git-ignored folder of the running simulators' control tokens."""
TOKEN_ENV = "SIMULATOR_CONTROL_TOKEN"  # noqa: S105 - the name of a variable, not a secret
"""Environment variable that ``control`` reads the token from before any file."""


def default_token_file(port: int) -> Path:
    """Return where a simulator on ``port`` keeps its control token."""
    return STATE_DIR / f"control-{port}.token"


def write_token_file(path: Path, token: str) -> None:
    """Write ``token`` to ``path``, readable by the owner only (folder 0700, file 0600)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Created 0600 under another name and renamed: the token is never readable by others.
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(token + "\n")
    temporary.replace(path)


def forget_token_file(path: Path) -> None:
    """Remove the token file of a simulator that stops: the token dies with it."""
    path.unlink(missing_ok=True)


def _shown(path: Path) -> str:
    """A path as the user sees it: relative to the checkout when inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(CHECKOUT)) if resolved.is_relative_to(CHECKOUT) else str(path)


def _out(text: str) -> None:
    """Write a line to stdout at once: scripts wait for the ready line."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _scenario_lines() -> str:
    width = max(len(name) for name in SCENARIOS)
    lines = []
    for name, scenario in SCENARIOS.items():
        params = ", ".join(f"{key}={value!r}" for key, value in scenario.defaults.items())
        suffix = f" [{params}]" if params else ""
        lines.append(f"  {name:<{width}}  {scenario.description}{suffix}")
    return "\n".join(lines)


def _key_value(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, not {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def _rate_limit(text: str) -> RateLimit:
    requests, sep, window = text.partition("/")
    try:
        return RateLimit(int(requests), float(window) if sep else 60.0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/SECONDS, not {text!r}") from None


def _retry_after(text: str) -> float | str | None:
    if text in {"auto", "none"}:
        return None if text == "none" else text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected seconds, 'auto' or 'none'") from None


def serve_parser() -> argparse.ArgumentParser:
    """Return the parser of ``python -m simulator [options]``."""
    parser = argparse.ArgumentParser(
        prog="scripts/simulator",
        description=(
            "Simulated Tesla Backup Gateway 2: HTTPS on a loopback address with a "
            "self-signed certificate. Prints one ready line (URL, password, fingerprint) "
            "and serves until Ctrl-C or SIGTERM."
        ),
        epilog=(
            f"scenarios:\n{_scenario_lines()}\n\n"
            "drive a running simulator:\n"
            "  scripts/simulator control --url https://127.0.0.1:PORT COMMAND ...\n"
            "  (scripts/simulator control --help lists the commands)\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="loopback address to bind (default: %(default)s)")
    add("--port", type=int, default=8443, help="TCP port, 0 for a free one (default: %(default)s)")
    add("--password", default=DEFAULT_PASSWORD, help="gateway password (default: %(default)s)")
    add("--batteries", type=int, default=2, help="number of batteries, 1-12 (default: 2)")
    add(
        "--scenario",
        default="normal",
        choices=list(SCENARIOS),
        metavar="NAME",
        help="scenario to start in (default: normal; see below)",
    )
    add(
        "--param",
        action="append",
        type=_key_value,
        default=[],
        metavar="KEY=VALUE",
        help="scenario parameter (repeatable; VALUE is JSON or text)",
    )
    add(
        "--powerwalls",
        metavar="FILE",
        help="replay: serve this JSON file (or HA diagnostics) as /api/powerwalls",
    )
    add(
        "--status",
        metavar="FILE",
        help="replay: serve this JSON file as /api/powerwalls/status (default: derived from --powerwalls)",
    )
    add(
        "--diagnostics",
        metavar="FILE",
        help="replay a diagnostics download of the integration: each stored payload at its "
        "endpoint, data endpoints not in it 404",
    )
    add(
        "--retry-after",
        type=_retry_after,
        default=None,
        metavar="S",
        help="Retry-After header of 429 answers: seconds, 'auto' or 'none' (default: none)",
    )
    add("--no-rate-limit", action="store_true", help="never answer 429")
    add(
        "--login-limit",
        type=_rate_limit,
        default=DEFAULT_LOGIN_LIMIT,
        metavar="N/S",
        help="login budget: N per S seconds (default: 10/300)",
    )
    add(
        "--endpoint-limit",
        type=_rate_limit,
        default=DEFAULT_ENDPOINT_LIMIT,
        metavar="N/S",
        help="budget of every other endpoint (default: 60/60)",
    )
    add(
        "--session-ttl",
        type=float,
        default=86400.0,
        metavar="S",
        help="session lifetime in seconds (default: 86400)",
    )
    add(
        "--unauthorized-status",
        type=int,
        choices=[401, 403],
        default=401,
        help="status of requests without a valid session (default: 401)",
    )
    add(
        "--slow-delay",
        type=float,
        default=30.0,
        metavar="S",
        help="answer delay of the 'slow' scenario (default: 30)",
    )
    add(
        "--cert",
        metavar="FILE",
        help="PEM certificate to serve instead of a fresh self-signed one (with --key)",
    )
    add("--key", metavar="FILE", help="PEM private key of --cert")
    add(
        "--second-cert",
        metavar="FILE",
        help="PEM certificate that 'control certificate second' swaps to (with --second-key; "
        "default: one made at the first swap)",
    )
    add("--second-key", metavar="FILE", help="PEM private key of --second-cert")
    add(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="where to write the control API token, mode 0600 "
        "(default: .simulator/control-PORT.token in the checkout)",
    )
    add("--list-scenarios", action="store_true", help="list the scenarios and exit")
    return parser


def control_parser() -> argparse.ArgumentParser:
    """Return the parser of ``python -m simulator control``."""
    parser = argparse.ArgumentParser(
        prog="scripts/simulator control",
        description="Drive a running simulator through its /_sim/ control API; prints the JSON answer.",
    )
    parser.add_argument("--url", required=True, help="the simulator's URL, https://127.0.0.1:PORT")
    parser.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help=f"file holding the control token (default: ${TOKEN_ENV}, else the "
        ".simulator/control-PORT.token the simulator wrote in this checkout)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("state", help="show the simulator's state")
    scenario = commands.add_parser(
        "scenario", help="switch scenario: scenario NAME [KEY=VALUE ...]"
    )
    scenario.add_argument("name", choices=list(SCENARIOS), metavar="NAME")
    scenario.add_argument("params", nargs="*", type=_key_value, metavar="KEY=VALUE")
    advance = commands.add_parser("advance", help="move the clock: advance SECONDS")
    advance.add_argument("seconds", type=float)
    commands.add_parser("expire-sessions", help="end every session")
    commands.add_parser("add-battery", help="install a new battery")
    remove = commands.add_parser("remove-battery", help="remove-battery SERIAL")
    remove.add_argument("serial")
    replace = commands.add_parser("replace-battery", help="replace-battery SERIAL")
    replace.add_argument("serial")
    commands.add_parser("requests", help="show the request log")
    commands.add_parser("clear-requests", help="forget the request log")
    password = commands.add_parser("password", help="change the gateway password: password NEW")
    password.add_argument("password")
    rate = commands.add_parser("rate-limit", help="rate-limit on|off")
    rate.add_argument("enabled", choices=["on", "off"])
    certificate = commands.add_parser(
        "certificate",
        help="present another certificate, as a reset or replaced gateway does: "
        "certificate second (and back: certificate first)",
    )
    certificate.add_argument("which", choices=list(CERTIFICATE_CHOICES))
    return parser


def _control_request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    command: str = args.command
    if command == "scenario":
        return "POST", "/_sim/scenario", {"name": args.name, **dict(args.params)}
    if command == "advance":
        return "POST", "/_sim/advance", {"seconds": args.seconds}
    if command == "password":
        return "POST", "/_sim/password", {"password": args.password}
    if command == "rate-limit":
        return "POST", "/_sim/rate_limit", {"enabled": args.enabled == "on"}
    if command == "certificate":
        return "POST", "/_sim/certificate", {"certificate": args.which}
    if command == "remove-battery":
        return "DELETE", f"/_sim/batteries/{args.serial}", None
    if command == "replace-battery":
        return "POST", f"/_sim/batteries/{args.serial}/replace", None
    return {
        "state": ("GET", "/_sim/state", None),
        "expire-sessions": ("POST", "/_sim/expire_sessions", None),
        "add-battery": ("POST", "/_sim/batteries", None),
        "requests": ("GET", "/_sim/requests", None),
        "clear-requests": ("DELETE", "/_sim/requests", None),
    }[command]


async def control(argv: Sequence[str]) -> int:
    """Run one control command against a running simulator; return the exit status."""
    parser = control_parser()
    args = parser.parse_args(argv)
    url = urlsplit(args.url)
    if url.scheme not in {"http", "https"}:
        parser.error(f"the URL must be https://HOST:PORT, not {args.url!r}")
    try:
        # Requests go to the checked address itself, never to a name resolved later.
        host = loopback_host(url.hostname or "")
        port = url.port or 443
    except ValueError as err:
        parser.error(str(err))
    base = f"{url.scheme}://{f'[{host}]' if ':' in host else host}:{port}"
    token = os.environ.get(TOKEN_ENV)
    if args.token_file is not None or not token:
        token_file = args.token_file or default_token_file(port)
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError:
            parser.error(
                f"no control token in {_shown(token_file)}: is a simulator of this checkout "
                f"running on that port? (else give --token-file or ${TOKEN_ENV})"
            )
    method, path, body = _control_request(args)
    if method == "POST" and body is None:
        body = {}  # the control API takes JSON bodies only
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.request(
            method,
            base + path,
            json=body,
            headers={CONTROL_TOKEN_HEADER: token},
            ssl=False,
            # A redirect could lead anywhere, carrying the token along.
            allow_redirects=False,
        ) as response,
    ):
        text = await response.text()
    _out(text or f"{response.status} {response.reason}")
    return 0 if response.status < 300 else 1


async def serve(args: argparse.Namespace, stop: asyncio.Event | None = None) -> int:
    """Run the simulator until SIGINT or SIGTERM (or until ``stop`` is set, if given)."""
    sim = GatewaySimulator(
        password=args.password,
        batteries=args.batteries,
        scenario=args.scenario,
        host=args.host,
        port=args.port,
        session_ttl=args.session_ttl,
        rate_limit=not args.no_rate_limit,
        retry_after=args.retry_after,
        slow_delay=args.slow_delay,
        powerwalls_file=args.powerwalls,
        status_file=args.status,
        diagnostics_file=args.diagnostics,
        scenario_params=dict(args.param),
        login_limit=args.login_limit,
        endpoint_limit=args.endpoint_limit,
        unauthorized_status=args.unauthorized_status,
        cert_file=args.cert,
        key_file=args.key,
        second_cert_file=args.second_cert,
        second_key_file=args.second_key,
    )
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
    await sim.start()
    token_file: Path = args.token_file or default_token_file(sim.port)
    try:
        write_token_file(token_file, sim.control_token)
        _out(
            f"{READY_PREFIX} url={sim.url} password={sim.password} "
            f"fingerprint={sim.fingerprint} scenario={sim.scenario} "
            f"control_token_file={_shown(token_file)}"
        )
        await stop.wait()
    finally:
        forget_token_file(token_file)
        await sim.stop()
    _out("Gateway simulator stopped.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m simulator``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["control"]:
        return asyncio.run(control(argv[1:]))
    parser = serve_parser()
    args = parser.parse_args(argv)
    if args.list_scenarios:
        _out(_scenario_lines())
        return 0
    if (args.cert is None) != (args.key is None):
        parser.error("--cert and --key go together")
    if (args.second_cert is None) != (args.second_key is None):
        parser.error("--second-cert and --second-key go together")
    try:
        loopback_host(args.host)
        return asyncio.run(serve(args))
    except (TypeError, ValueError) as err:
        parser.error(str(err))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
